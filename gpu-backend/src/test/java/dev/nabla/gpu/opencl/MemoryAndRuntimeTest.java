package dev.nabla.gpu.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Backends;
import dev.nabla.backend.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The buffer pool, device choice, build errors and the provider registration. */
class MemoryAndRuntimeTest {

    @Test
    void aLongLoopOfAllocateAndReleaseDoesNotGrowDeviceMemory() {
        try (OpenClBackend cl = OpenClSupport.open()) {
            long afterFirst = 0, created = 0;
            for (int i = 0; i < 5000; i++) {
                Tensor a = cl.zeros(33, 257), b = cl.upload(new float[7], 7), c = cl.zeros(1000);
                cl.axpy(1f, a, a);
                a.close(); b.close(); c.close();
                if (i == 0) { afterFirst = cl.allocatedBytes(); created = cl.buffersCreated(); }
            }
            assertThat(cl.allocatedBytes()).as("device bytes held after 5000 iterations").isEqualTo(afterFirst);
            assertThat(cl.buffersCreated()).as("clCreateBuffer calls").isEqualTo(created);
            assertThat(cl.inUseBytes()).as("bytes in live tensors: only the backend's result buffer").isEqualTo(BufferPool.GRANULE * 4L);
        }
    }

    @Test
    void tensorsNobodyClosedReturnToThePoolThroughTheGarbageCollector() throws InterruptedException {
        try (OpenClBackend cl = OpenClSupport.open()) {
            long baseline = cl.inUseBytes();
            for (int i = 0; i < 200; i++) cl.zeros(1024);       // dropped without close()
            assertThat(cl.inUseBytes()).isGreaterThan(baseline);
            for (int i = 0; i < 100 && cl.inUseBytes() > baseline; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertThat(cl.inUseBytes()).as("in use after GC").isEqualTo(baseline);
            long created = cl.buffersCreated();
            for (int i = 0; i < 200; i++) cl.zeros(1024).close();
            assertThat(cl.buffersCreated()).as("the collected buffers are reused").isEqualTo(created);
        }
    }

    @Test
    void unclosedTensorsBeyondThePoolLimitAreCollectedNotAccumulated() {
        OpenClSupport.requirePlatform();
        System.setProperty("nabla.opencl.poolLimitMiB", "8");
        try (OpenClBackend cl = new OpenClBackend()) {
            for (int i = 0; i < 200; i++) cl.zeros(256 * 1024);   // 1 MiB each, never closed: 200 MiB without the pool
            assertThat(cl.allocatedBytes()).as("device bytes held").isLessThanOrEqualTo(40L << 20);
        } finally {
            System.clearProperty("nabla.opencl.poolLimitMiB");
        }
    }

    @Test
    void overThePoolLimitFreeBuffersOfOtherSizesAreReleasedAndALargeLiveSetRaisesTheLimit() {
        OpenClSupport.requirePlatform();
        System.setProperty("nabla.opencl.poolLimitMiB", "8");
        try (OpenClBackend cl = new OpenClBackend()) {
            long base = cl.allocatedBytes();                      // the backend's own result buffer
            for (int i = 0; i < 3; i++) cl.zeros(256 * 1024 * (i + 1)).close();   // 1, 2, 3 MiB, now free
            assertThat(cl.allocatedBytes()).isEqualTo(base + (6L << 20));
            Tensor big = cl.zeros(256 * 1024 * 4);                // 4 MiB: over the limit, no free buffer that size
            assertThat(cl.allocatedBytes()).as("the free 1/2/3 MiB buffers went back to the driver").isEqualTo(base + (4L << 20));
            List<Tensor> live = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) live.add(cl.zeros(256 * 1024));   // a live set past the limit: allocations still succeed
            assertThat(cl.allocatedBytes()).isEqualTo(base + (10L << 20));
            assertThat(cl.download(live.getLast()).length).isEqualTo(256 * 1024);
            big.close();
            live.forEach(Tensor::close);
        } finally {
            System.clearProperty("nabla.opencl.poolLimitMiB");
        }
    }

    @Test
    void releasingTwiceIsHarmless() {
        try (OpenClBackend cl = OpenClSupport.open()) {
            Tensor t = cl.zeros(5);
            long inUse = cl.inUseBytes();
            t.close();
            t.close();
            assertThat(cl.inUseBytes()).isEqualTo(inUse - BufferPool.GRANULE * 4L);
        }
    }

    @Test
    void aKernelBuildErrorShowsTheBuildLog() {
        OpenClSupport.requirePlatform();
        ClRuntime rt = ClRuntime.get();
        assertThatThrownBy(() -> rt.buildForTest("broken.cl", "__kernel void k(__global float *x) { x[0] = no_such_symbol; }"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("OpenCL build of broken.cl failed")
                .hasMessageContaining("no_such_symbol");
    }

    @Test
    void everyKernelFileCompilesAsOpenClC12() {
        OpenClSupport.requirePlatform();
        ClRuntime rt = ClRuntime.get();
        for (String file : KernelSources.FILES) rt.buildForTest(file + ".cl", KernelSources.source(file).replaceAll("[^\\x00-\\x7F]", "?"));
        assertThat(KernelSources.kernels()).hasSizeGreaterThanOrEqualTo(40);
    }

    private static ClRuntime.DeviceInfo dev(int p, int d, String platform, String name, boolean gpu) {
        return new ClRuntime.DeviceInfo(p, d, null, null, platform, name, gpu);
    }

    @Test
    void deviceChoiceByFlagOrEnvironment() {
        var cpu = dev(0, 0, "Portable Computing Language", "pthread-skylake", false);
        var gpu = dev(1, 0, "NVIDIA CUDA", "NVIDIA H100", true);
        var gpu2 = dev(1, 1, "NVIDIA CUDA", "NVIDIA H200", true);
        List<ClRuntime.DeviceInfo> all = List.of(cpu, gpu, gpu2);
        assertThat(ClRuntime.choose(all, null)).as("default: the first GPU").isEqualTo(gpu);
        assertThat(ClRuntime.choose(List.of(cpu), null)).as("else the first device").isEqualTo(cpu);
        assertThat(ClRuntime.choose(all, "cpu")).isEqualTo(cpu);
        assertThat(ClRuntime.choose(all, "GPU")).isEqualTo(gpu);
        assertThat(ClRuntime.choose(all, "2")).isEqualTo(gpu2);
        assertThat(ClRuntime.choose(all, "1:1")).isEqualTo(gpu2);
        assertThat(ClRuntime.choose(all, "h200")).isEqualTo(gpu2);
        assertThat(ClRuntime.choose(all, "portable")).isEqualTo(cpu);
        assertThatThrownBy(() -> ClRuntime.choose(List.of(cpu), "gpu")).hasMessageContaining("NABLA_OPENCL_DEVICE=gpu: no such device");
        assertThatThrownBy(() -> ClRuntime.choose(all, "7")).hasMessageContaining("only 3 devices");
        assertThatThrownBy(() -> ClRuntime.choose(all, "radeon")).hasMessageContaining("no device name contains it");
    }

    @Test
    void registeredAsOpenclAndRankedBelowTheCpuBackendOnACpuDevice() {
        OpenClSupport.requirePlatform();
        OpenClProvider p = (OpenClProvider) Backends.providers().stream().filter(x -> x.name().equals("opencl")).findFirst().orElseThrow();
        assertThat(p.unavailableReason()).isNull();
        boolean gpu = ClRuntime.get().device().gpu();
        assertThat(p.priority()).as("auto priority on " + ClRuntime.get().device()).isEqualTo(gpu ? 20 : 5);
        assertThat(OpenClProvider.priorityFor(false)).isLessThan(10).isGreaterThan(0);   // cpu is 10, ref 0
        assertThat(OpenClProvider.priorityFor(true)).isGreaterThan(10);
        try (Backend b = Backends.create("opencl")) {
            assertThat(b).isInstanceOf(OpenClBackend.class);
            assertThat(b.name()).isEqualTo("opencl");
            assertThat(b.download(b.upload(new float[] {1, 2, 3}, 3))).containsExactly(1, 2, 3);
        }
    }
}

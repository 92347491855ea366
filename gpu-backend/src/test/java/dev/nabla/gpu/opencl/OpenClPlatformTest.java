package dev.nabla.gpu.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Backends;
import dev.nabla.gpu.Devices;
import dev.nabla.gpu.KernelFiles;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What is OpenCL's own: device choice, build errors, every kernel file compiling as OpenCL C 1.2, the provider. */
class OpenClPlatformTest {

    @Test
    void aKernelBuildErrorShowsTheBuildLog() {
        Devices.require("opencl");
        ClPlatform rt = ClPlatform.get();
        assertThatThrownBy(() -> rt.buildForTest("broken.cl", "__kernel void k(__global float *x) { x[0] = no_such_symbol; }"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("OpenCL build of broken.cl failed")
                .hasMessageContaining("no_such_symbol");
    }

    @Test
    void everyKernelFileCompilesAsOpenClC12() {
        Devices.require("opencl");
        ClPlatform rt = ClPlatform.get();
        for (String family : KernelFiles.FAMILIES) rt.buildForTest(family + ".cl", KernelFiles.openClProgram(family));
        assertThat(KernelFiles.kernels()).hasSizeGreaterThanOrEqualTo(40);
    }

    private static ClPlatform.DeviceInfo dev(int p, int d, String platform, String name, boolean gpu) {
        return new ClPlatform.DeviceInfo(p, d, null, null, platform, name, gpu);
    }

    @Test
    void deviceChoiceByFlagOrEnvironment() {
        var cpu = dev(0, 0, "Portable Computing Language", "pthread-skylake", false);
        var gpu = dev(1, 0, "NVIDIA CUDA", "NVIDIA H100", true);
        var gpu2 = dev(1, 1, "NVIDIA CUDA", "NVIDIA H200", true);
        List<ClPlatform.DeviceInfo> all = List.of(cpu, gpu, gpu2);
        assertThat(ClPlatform.choose(all, null)).as("default: the first GPU").isEqualTo(gpu);
        assertThat(ClPlatform.choose(List.of(cpu), null)).as("else the first device").isEqualTo(cpu);
        assertThat(ClPlatform.choose(all, "cpu")).isEqualTo(cpu);
        assertThat(ClPlatform.choose(all, "GPU")).isEqualTo(gpu);
        assertThat(ClPlatform.choose(all, "2")).isEqualTo(gpu2);
        assertThat(ClPlatform.choose(all, "1:1")).isEqualTo(gpu2);
        assertThat(ClPlatform.choose(all, "h200")).isEqualTo(gpu2);
        assertThat(ClPlatform.choose(all, "portable")).isEqualTo(cpu);
        assertThatThrownBy(() -> ClPlatform.choose(List.of(cpu), "gpu")).hasMessageContaining("NABLA_OPENCL_DEVICE=gpu: no such device");
        assertThatThrownBy(() -> ClPlatform.choose(all, "7")).hasMessageContaining("only 3 devices");
        assertThatThrownBy(() -> ClPlatform.choose(all, "radeon")).hasMessageContaining("no device name contains it");
    }

    @Test
    void registeredAsOpenclAndRankedBelowTheCpuBackendOnACpuDevice() {
        Devices.require("opencl");
        OpenClProvider p = (OpenClProvider) Backends.providers().stream().filter(x -> x.name().equals("opencl")).findFirst().orElseThrow();
        assertThat(p.unavailableReason()).isNull();
        boolean gpu = ClPlatform.get().device().gpu();
        assertThat(p.priority()).as("auto priority on " + ClPlatform.get().device()).isEqualTo(gpu ? 20 : 5);
        assertThat(OpenClProvider.priorityFor(false)).isLessThan(10).isGreaterThan(0);   // cpu is 10, ref 0
        assertThat(OpenClProvider.priorityFor(true)).isGreaterThan(10);
        try (Backend b = Backends.create("opencl")) {
            assertThat(b).isInstanceOf(OpenClBackend.class);
            assertThat(b.name()).isEqualTo("opencl");
            assertThat(b.download(b.upload(new float[] {1, 2, 3}, 3))).containsExactly(1, 2, 3);
        }
    }
}

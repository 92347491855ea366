package dev.nabla.gpu.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendProvider;
import dev.nabla.backend.Backends;
import dev.nabla.gpu.DeviceBackend;
import dev.nabla.gpu.DeviceRuntime;
import dev.nabla.gpu.Devices;
import dev.nabla.gpu.KernelFiles;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

/**
 * What of the CUDA backend needs no GPU, so it runs in CI on every machine: the nvcc build made a fatbin for every
 * kernel family holding every kernel of its .cl body (and every GEMM tile gemm.cu lists), and the runtime's handling
 * of a launch's shape and arguments. Without a GPU the backend says why it is unavailable instead of failing the JVM.
 * (The kernels' arithmetic is checked on PoCL by the OpenCL suites: they are the same bodies; see kernels/README.md.)
 */
class CudaBuildTest {
    static List<String> gemmTilesOfTheFatbin() { return KernelFiles.cudaGemmTiles(); }

    private static boolean contains(byte[] hay, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + n.length <= hay.length; i++) {
            for (int j = 0; j < n.length; j++) if (hay[i + j] != n[j]) continue outer;
            return true;
        }
        return false;
    }

    @Test
    void everyFamilyHasACudaFileAndAFatbinWithAllItsKernels() {
        byte[] any = KernelFiles.bytes("cuda/elementwise.fatbin");
        if (any == null) {
            assertThat(Devices.underCi()).as("under CI nvcc is there and the fatbins are built (kernels/build-cuda.sh)").isFalse();
            System.out.println("[cuda] SKIPPING the fatbin checks: nabla-kernels was built without nvcc");
            return;
        }
        List<String> report = new ArrayList<>();
        for (String family : KernelFiles.FAMILIES) {
            assertThat(KernelFiles.bytes("cuda/" + family + ".cu")).as(family + ".cu").isNotNull();
            byte[] fatbin = KernelFiles.bytes("cuda/" + family + ".fatbin");
            assertThat(fatbin).as(family + ".fatbin").isNotNull();
            int magic = (fatbin[0] & 0xff) | (fatbin[1] & 0xff) << 8 | (fatbin[2] & 0xff) << 16 | (fatbin[3] & 0xff) << 24;
            assertThat(Integer.toHexString(magic)).as(family + ".fatbin's magic number").isEqualTo("ba55ed50");
            int kernels = 0;
            for (var e : KernelFiles.kernels().entrySet()) {
                if (!e.getValue().equals(family)) continue;
                assertThat(contains(fatbin, e.getKey())).as(family + ".fatbin holds extern \"C\" " + e.getKey()).isTrue();
                kernels++;
            }
            report.add(family + " " + fatbin.length + " B, " + kernels + " kernels");
        }
        for (String tile : gemmTilesOfTheFatbin()) {
            String[] t = tile.split("x");
            String symbol = "sgemm__TS_M_" + t[0] + "_TS_N_" + t[1] + "_TS_K_" + t[2];
            assertThat(contains(KernelFiles.bytes("cuda/gemm.fatbin"), symbol)).as("gemm.fatbin holds " + symbol).isTrue();
        }
        System.out.println("[cuda] fatbins (" + new String(KernelFiles.bytes("cuda/nvcc-version.txt"), StandardCharsets.UTF_8).trim()
                + "): " + String.join("; ", report) + "; GEMM tiles besides 64x64x16: " + gemmTilesOfTheFatbin());
    }

    @Test
    void gemmCuCompilesTilesTheDeviceLayerAccepts() {
        assertThat(gemmTilesOfTheFatbin()).contains("128x128x8");
        for (String tile : gemmTilesOfTheFatbin()) {
            assertThat(DeviceBackend.gemmTile(tile, 48 << 10)).as(tile + " fits NVIDIA's 48 KiB of static shared memory").hasSize(3);
        }
    }

    @Test
    void aLaunchShapeIsAGridOfBlocks() {
        int[][] gb = CudaRuntime.gridAndBlock("sgemm", new long[] {64, 48, 3}, new long[] {16, 16, 1});
        assertThat(gb[0]).containsExactly(4, 3, 3);
        assertThat(gb[1]).containsExactly(16, 16, 1);
        assertThat(CudaRuntime.gridAndBlock("fill", new long[] {256}, new long[] {128})[0]).containsExactly(2, 1, 1);
        assertThatThrownBy(() -> CudaRuntime.gridAndBlock("fill", new long[] {200}, new long[] {128}))
                .hasMessageContaining("fill: global size 200 is not a multiple of the work-group size 128");
        assertThatThrownBy(() -> CudaRuntime.gridAndBlock("fill", new long[] {256, 1}, new long[] {128}))
                .hasMessageContaining("same rank");
    }

    @Test
    void argumentsBecomePointersAndTheScratchBecomesSharedMemory() {
        int[] shared = new int[1];
        Pointer[] p = CudaRuntime.kernelParams("sum_reduce", new Object[] {new CUdeviceptr(), 3, 1.5f, new DeviceRuntime.Local(1024)}, shared);
        assertThat(p).hasSize(4);
        assertThat(shared[0]).as("dynamic shared memory").isEqualTo(1024);
        assertThatThrownBy(() -> CudaRuntime.kernelParams("k", new Object[] {new DeviceRuntime.Local(4), new DeviceRuntime.Local(4)}, new int[1]))
                .hasMessageContaining("more than one Local");
        assertThatThrownBy(() -> CudaRuntime.kernelParams("k", new Object[] {"x"}, new int[1])).hasMessageContaining("k: argument 0")
                .hasMessageContaining("java.lang.String");
        assertThatThrownBy(() -> CudaRuntime.kernelParams("k", new Object[] {7L}, new int[1])).hasMessageContaining("java.lang.Long");
    }

    @Test
    void withoutAGpuTheBackendSaysWhyAndAutoPassesItOver() {
        BackendProvider p = Backends.providers().stream().filter(x -> x.name().equals("cuda")).findFirst().orElseThrow();
        String why = p.unavailableReason();
        System.out.println("[cuda] here: " + (why == null ? "available" : why));
        if (why == null) return;                                 // a GPU machine: the device suites cover it
        assertThatThrownBy(() -> Backends.create("cuda")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("backend 'cuda' is not usable here").hasMessageContaining(why);
        Backends.Choice c = Backends.choose("auto");
        try (Backend auto = c.backend()) {
            assertThat(auto.name()).isNotEqualTo("cuda");
            assertThat(c.describe()).as("auto says why it passed over cuda").contains("cuda: " + why);
        }
    }
}

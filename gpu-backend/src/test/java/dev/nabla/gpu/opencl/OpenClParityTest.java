package dev.nabla.gpu.opencl;

import dev.nabla.gpu.DeviceParityTest;
import dev.nabla.gpu.Devices;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link DeviceParityTest} on OpenCL (PoCL in CI), with tiles OpenCL builds at run time and every tile
 * kernels/cuda/gemm.cu compiles for CUDA ({@link dev.nabla.gpu.KernelFiles#cudaGemmTiles}): so the arithmetic of each CUDA
 * GEMM variant is checked here against the reference before it ever reaches a GPU.
 */
@ExtendWith(Devices.RequireOpenCl.class)
class OpenClParityTest extends DeviceParityTest {
    @Override
    protected String device() { return "opencl"; }

    @Override
    protected List<String> otherGemmTiles() {
        List<String> tiles = new ArrayList<>(List.of("32x64x4", "16x16x12"));
        for (String t : dev.nabla.gpu.KernelFiles.cudaGemmTiles()) if (!tiles.contains(t)) tiles.add(t);
        return tiles;
    }
}

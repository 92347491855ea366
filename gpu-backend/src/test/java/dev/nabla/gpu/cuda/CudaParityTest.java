package dev.nabla.gpu.cuda;

import dev.nabla.gpu.DeviceParityTest;
import dev.nabla.gpu.Devices;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link DeviceParityTest} on CUDA, with every GEMM tile kernels/cuda/gemm.cu compiles. */
@ExtendWith(Devices.RequireCuda.class)
class CudaParityTest extends DeviceParityTest {
    @Override
    protected String device() { return "cuda"; }

    @Override
    protected List<String> otherGemmTiles() { return CudaBuildTest.gemmTilesOfTheFatbin(); }
}

package dev.nabla.gpu.cuda;

import dev.nabla.backend.Backend;
import dev.nabla.backend.TiledConvolutionTest;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The engine's tiled-convolution suite on the cuda device: tiled and locally connected layers match the reference, and
 * tile 1×1 matches Conv2d within the suite's tolerance (bit for bit is expected — the same kernels on the same shapes —
 * but has not been run on a GPU yet).
 */
@ExtendWith(Devices.RequireCuda.class)
class CudaTiledConvolutionTest extends TiledConvolutionTest {
    @Override
    protected Backend backend() { return Devices.open("cuda"); }

    @Override
    protected boolean tileOneExact() { return false; }
}

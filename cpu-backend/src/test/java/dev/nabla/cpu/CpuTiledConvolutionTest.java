package dev.nabla.cpu;

import dev.nabla.backend.Backend;
import dev.nabla.backend.TiledConvolutionTest;

/** The engine's tiled-convolution suite on the CPU backend: tile 1×1 is Conv2d bit for bit; tiled and locally connected layers match the reference. */
class CpuTiledConvolutionTest extends TiledConvolutionTest {
    @Override
    protected Backend backend() { return new CpuBackend(); }
}

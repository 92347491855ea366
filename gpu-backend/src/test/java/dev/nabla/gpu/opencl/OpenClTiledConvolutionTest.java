package dev.nabla.gpu.opencl;

import dev.nabla.backend.Backend;
import dev.nabla.backend.TiledConvolutionTest;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.extension.ExtendWith;

/** The engine's tiled-convolution suite on the opencl device: tile 1×1 is Conv2d bit for bit; tiled and locally connected layers match the reference. */
@ExtendWith(Devices.RequireOpenCl.class)
class OpenClTiledConvolutionTest extends TiledConvolutionTest {
    @Override
    protected Backend backend() { return Devices.open("opencl"); }
}

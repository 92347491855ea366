package dev.nabla.backend;

/** The tiled-convolution suite on the reference backend: tile 1×1 is Conv2d bit for bit. */
class ReferenceTiledConvolutionTest extends TiledConvolutionTest {
    @Override
    protected Backend backend() { return new ReferenceBackend(); }
}

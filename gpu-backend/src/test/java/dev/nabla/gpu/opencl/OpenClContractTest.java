package dev.nabla.gpu.opencl;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendContractTest;

/** The engine's backend contract suite, every op against the reference backend, on the OpenCL device (PoCL in CI). */
@org.junit.jupiter.api.extension.ExtendWith(OpenClSupport.RequireOpenCl.class)
class OpenClContractTest extends BackendContractTest {
    @Override
    protected Backend backend() { return OpenClSupport.open(); }

    /** A queued kernel cannot throw: a bad arg-max turns its window's input gradient into NaN instead. */
    @Override
    protected boolean throwsForABadArgmax() { return false; }
}

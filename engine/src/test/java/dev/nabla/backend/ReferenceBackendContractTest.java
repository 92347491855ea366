package dev.nabla.backend;

/** The reference backend against itself: proves the suite runs (and that views at offsets behave). */
class ReferenceBackendContractTest extends BackendContractTest {
    @Override
    protected Backend backend() { return new ReferenceBackend(); }
}

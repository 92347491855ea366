package dev.nabla.dist;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;

/** {@link DataParallelContract} on the reference backend. */
class ReferenceDataParallelTest extends DataParallelContract {
    @Override
    protected Backend backend() { return new ReferenceBackend(); }
}

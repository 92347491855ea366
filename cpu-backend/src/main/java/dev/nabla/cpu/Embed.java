package dev.nabla.cpu;

import static dev.nabla.backend.Checks.cols;
import static dev.nabla.backend.Checks.rows;
import static dev.nabla.cpu.Elementwise.addInto;
import static dev.nabla.cpu.Elementwise.data;

import dev.nabla.backend.Checks;
import dev.nabla.backend.Tensor;

/**
 * The embed family of the CPU backend (kernels/opencl/embed.cl; the reference's "embed" section): the embedding
 * gradient's scatter-add. The row gather is {@link dev.nabla.backend.HeapBackend}'s, shared with the reference.
 */
final class Embed {
    private Embed() {}

    static void scatterAddRows(Tensor dout, Tensor idx, Tensor dtable) {
        int v = rows(dtable), d = cols(dtable);
        float[] gd = data(dout), id = data(idx), td = data(dtable);
        for (int r = 0; r < idx.size(); r++) {
            int row = Checks.rowIndexOrSkip("scatterAddRows", id[idx.offset() + r], r, v);
            if (row < 0) continue;                                                   // a negative whole number: padding
            addInto(gd, dout.offset() + r * d, td, dtable.offset() + row * d, d);   // dtable[idx[r], :] += dout[r, :]
        }
    }
}

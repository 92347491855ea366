package dev.nabla.nn.rnn;

/**
 * Where h^{(0)} comes from (seed 003: "h^{(0)} is either predefined by the user, set to zero, or learned as another
 * parameter"). Independently of this, a layer may {@linkplain Recurrent#carryState carry} its last state into the next
 * forward pass (truncated BPTT), which then takes precedence.
 */
public enum InitialState {
    /** h^{(0)} = 0. */
    ZERO,
    /** h^{(0)} set by the caller before each forward pass ({@code givenState}). */
    GIVEN,
    /** h^{(0)} is a parameter [S] shared by every sequence of the batch, trained like W, V, b. */
    LEARNED
}

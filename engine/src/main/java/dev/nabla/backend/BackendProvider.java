package dev.nabla.backend;

/**
 * A backend found at run time through {@link java.util.ServiceLoader} (the engine never imports a backend module).
 * Backend jars list their provider in {@code META-INF/services/dev.nabla.backend.BackendProvider}.
 */
public interface BackendProvider {
    /** The name chosen with {@code --backend}, e.g. "cpu" or "opencl". */
    String name();

    /** Higher is preferred by {@code auto}: ref 0, cpu 10, opencl on a real GPU 20. */
    int priority();

    /** Null if usable here, else the reason it is not (e.g. "no OpenCL platform found"). */
    String unavailableReason();

    Backend create();
}

# Sourced by the bench scripts: picks a Java 25 JDK ($java) and the flags every benchmark JVM runs with
# (${nabla_java_flags[@]}): the incubating Vector API, native access for JOCL/jcuda/FFM, and -XX:ErrorFile so that a
# crash leaves its hs_err file in runs/crash/. Unless NABLA_NO_JSIG=1, exports LD_PRELOAD with the JDK's
# signal-chaining library, so that a native library (PoCL's LLVM) cannot take the JVM's signal handlers in these JVMs
# or in the ones they fork (JMH); the engine also restores the handlers itself (dev.nabla.backend.SignalHandlers).
if [[ -z "${JAVA_HOME:-}" && -d /usr/lib/jvm/temurin-25-jdk-amd64 ]]; then export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64; fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
mkdir -p "$root/runs/crash"
nabla_java_flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss8m
  "-XX:ErrorFile=$root/runs/crash/hs_err_pid%p.log")
if [[ -z "${NABLA_NO_JSIG:-}" && -n "${JAVA_HOME:-}" && -f "$JAVA_HOME/lib/libjsig.so" ]]; then
  export LD_PRELOAD="$JAVA_HOME/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
fi

package dev.nabla.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Explain mode: every example runs, prints the slides' symbols, and the engine's values agree with the slide's. */
class ExplainTest {
    static java.util.Set<String> examples() { return Explain.EXAMPLES.keySet(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void everyExampleAgreesWithItsSlide(String name) {
        Explain.Report r = Explain.run(name);
        System.out.println(r.text());
        assertThat(r.checks()).as(name + " checks something").isNotEmpty();
        for (Explain.Check c : r.checks()) assertThat(c.agrees()).as(name + ": " + c).isTrue();
        assertThat(r.agreesWithTheSlide()).isTrue();
        assertThat(r.text()).doesNotContain("DIFFERS");
    }

    @Test
    void theInferenceExampleShowsTheSlidesNumbersLayerByLayer() {
        String t = Explain.run("inference").text();
        assertThat(t).contains("x = [0.5000, 0.9000, -0.3000]").contains("H1 net").contains("-1.9000").contains("3.1000")
                .contains("O2 out").contains("0.85").contains("slide: 0.13");
    }

    @Test
    void theMlpStepPrintsTheDeltaRulesAndGoesDownhill() {
        Explain.Report r = Explain.run("mlp-step");
        assertThat(r.text()).contains("δ_k = (y_k − d_k) · tanh'(net_k)").contains("δ_j = ∂E/∂y_j · tanh'(net_j)")
                .contains("Δw_jk = −η·∂E/∂w_jk").contains("(smaller: the step went downhill)");
        assertThat(r.lines().stream().filter(l -> l.startsWith("backward ")).count()).as("one line per layer that hands δ down").isEqualTo(3);
    }

    @Test
    void theConvolutionIsTheSlides812() {
        assertThat(Explain.run("convolution").text()).contains("out(1, 3) = 161 + (−9) + 659 + 1 = 812");
    }

    @Test
    void anUnknownExampleNamesTheKnownOnes() {
        assertThatThrownBy(() -> Explain.run("backprop")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no example 'backprop'").hasMessageContaining("mlp-step");
    }
}

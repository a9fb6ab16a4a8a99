package org.leo.consensus.sortition;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/committee-risk.md holds exactly what {@link CommitteeRiskReport} prints, and its rule picks
 * the default in {@link SortitionConfig}. Regenerate the doc with {@code -Dleo.golden.update=true}.
 */
class CommitteeRiskReportTest {
    private static final Path DOC = Path.of(System.getProperty("basedir", "."), "..", "docs", "committee-risk.md");

    @Test
    void theDocHoldsWhatTheCodePrints() throws IOException {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        String report = CommitteeRiskReport.report();
        if (Boolean.getBoolean("leo.golden.update")) {
            Files.writeString(DOC, CommitteeRiskReport.replaceBlock(doc, report), StandardCharsets.UTF_8);
            doc = Files.readString(DOC, StandardCharsets.UTF_8);
        }
        assertThat(CommitteeRiskReport.block(doc))
                .as("docs/committee-risk.md between the markers (run with -Dleo.golden.update=true to rewrite it)")
                .isEqualTo(report);
    }

    @Test
    void theRulePicksTheConfiguredDefault() {
        assertThat(CommitteeRiskReport.ruleDefault()).isEqualTo(SortitionConfig.DEFAULT_EXPECTED_COMMITTEE_SIZE);
    }

    @Test
    void probabilitiesPrintWithThreeDigits() {
        assertThat(CommitteeRiskReport.probability(new BigDecimal("0.23456"))).isEqualTo("0.235");
        assertThat(CommitteeRiskReport.probability(new BigDecimal("0.0078437"))).isEqualTo("7.84e-3");
        assertThat(CommitteeRiskReport.probability(new BigDecimal("0.0099996"))).isEqualTo("1.00e-2");
        assertThat(CommitteeRiskReport.probability(new BigDecimal("5e-13"))).isEqualTo("5.00e-13");
        assertThat(CommitteeRiskReport.probability(new BigDecimal("1e-51"))).isEqualTo("< 1e-50");
        assertThat(CommitteeRiskReport.probability(BigDecimal.ZERO)).isEqualTo("0");
    }
}

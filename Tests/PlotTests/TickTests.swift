import Foundation
import Plot
import Testing

@Suite("Ticks and labels")
struct TickTests {
    private func labels(_ ticks: [Tick]) -> [String] { ticks.filter(\.isMajor).compactMap(\.label) }
    private func majors(_ ticks: [Tick]) -> [Double] { ticks.filter(\.isMajor).map(\.value) }
    private func minors(_ ticks: [Tick]) -> [Double] { ticks.filter { !$0.isMajor }.map(\.value) }

    @Test func linearUsesNiceSteps() {
        let ticks = Ticks.linear(0...10, targetCount: 6)
        #expect(majors(ticks) == [0, 2, 4, 6, 8, 10])
        #expect(labels(ticks) == ["0", "2", "4", "6", "8", "10"])
    }

    @Test func linearFractionalStepsHaveUniformDecimals() {
        let ticks = Ticks.linear(2.43...3.61, targetCount: 6)
        #expect(labels(ticks) == ["2.6", "2.8", "3.0", "3.2", "3.4", "3.6"] || labels(ticks) == ["2.5", "3.0", "3.5"])
        let fine = Ticks.linear(3.2...3.3, targetCount: 5)
        #expect(labels(fine) == ["3.20", "3.22", "3.24", "3.26", "3.28", "3.30"])
    }

    @Test func linearStepsAreOneTwoOrFive() {
        for (span, target) in [(0.7, 5), (13.0, 6), (0.0042, 4), (9.9e6, 7), (1234.0, 8)] {
            let step = Ticks.niceStep(span: span, targetCount: target)
            let mantissa = step / pow(10, log10(step).rounded(.down))
            #expect([1, 2, 5, 10].contains { abs(mantissa - Double($0)) < 1e-9 }, "step \(step)")
            #expect(span / step <= Double(target) + 1e-9)
        }
    }

    @Test func linearAcrossZeroWritesZeroAndMinus() {
        let ticks = Ticks.linear(-0.031...0.029, targetCount: 6)
        let text = labels(ticks)
        #expect(text.contains("0.00"))
        #expect(text.first == "\u{2212}0.03")
        #expect(!text.contains { $0.hasPrefix("-") })
    }

    @Test func linearNoFloatingPointNoise() {
        let ticks = Ticks.linear(0...0.7, targetCount: 7)
        #expect(labels(ticks) == ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"])
    }

    @Test func logWideRangeUsesDecadesWithMinorTicks() {
        let ticks = Ticks.log10(1e6...1e9, targetCount: 6)
        #expect(majors(ticks) == [1e6, 1e7, 1e8, 1e9])
        #expect(labels(ticks) == ["1M", "10M", "100M", "1B"])
        #expect(minors(ticks).count == 24)  // 2–9 in each of three decades
        #expect(minors(ticks).contains { abs($0 - 3e7) < 1 })
    }

    @Test func logVeryWideRangeSkipsDecades() {
        let ticks = Ticks.log10(1e12...1e24, targetCount: 6)
        #expect(majors(ticks).count <= 6)
        #expect(majors(ticks).count >= 3)
        #expect(labels(ticks).allSatisfy { $0.hasPrefix("1e") })
        // The unlabelled decades are still marked.
        #expect(minors(ticks).contains { abs(log10($0) - 13) < 1e-9 })
    }

    @Test func logNarrowRangeLabelsMantissas() {
        // A bit over one decade: not enough decades, so 1e6, 3e6, 1e7 style labels.
        let ticks = Ticks.log10(5e17...2.5e19, targetCount: 6, format: .scientific)
        #expect(labels(ticks) == ["1e18", "3e18", "1e19"])
        #expect(minors(ticks).count > 0)
    }

    @Test func logVeryNarrowRangeFallsBackToLinearSteps() {
        let ticks = Ticks.log10(1.2e6...1.8e6, targetCount: 6)
        #expect(majors(ticks).count >= 3)
        #expect(labels(ticks).contains("1.5M"))
        #expect(ticks.allSatisfy { $0.value >= 1.2e6 && $0.value <= 1.8e6 })
    }

    @Test func logSmallValuesUseScientific() {
        let ticks = Ticks.log10(1e-5...1e-2, targetCount: 6)
        #expect(labels(ticks) == ["1e-5", "1e-4", "1e-3", "1e-2"])
    }

    @Test func everyTickIsInsideTheDomain() {
        for domain in [0.5...123.0, 2.0...3.0, 1e3...1e21, 0.01...0.02, 7.0...7.5] {
            // Within a billionth of the span: at the edge to the pixel.
            let slack = (domain.upperBound - domain.lowerBound) * 1e-9
            for ticks in [Ticks.log10(domain), Ticks.linear(domain)] {
                #expect(!ticks.isEmpty)
                for t in ticks {
                    #expect(t.value >= domain.lowerBound - slack && t.value <= domain.upperBound + slack, "\(t.value) in \(domain)")
                }
                #expect(ticks.filter(\.isMajor).count >= 2, "\(domain)")
            }
        }
    }

    @Test func formats() {
        #expect(TickFormat.si.label(1e7) == "10M")
        #expect(TickFormat.si.label(2.5e6) == "2.5M")
        #expect(TickFormat.si.label(3e9) == "3B")
        #expect(TickFormat.si.label(500) == "500")
        #expect(TickFormat.si.label(1.2e12) == "1.2T")
        #expect(TickFormat.si.label(999_999.99) == "1M")
        #expect(TickFormat.scientific.label(1e18) == "1e18")
        #expect(TickFormat.scientific.label(3e6) == "3e6")
        #expect(TickFormat.scientific.label(2.5e17) == "2.5e17")
        #expect(TickFormat.scientific.label(9.99999e5) == "1e6")
        #expect(TickFormat.scientific.label(0.001) == "1e-3")
        #expect(TickFormat.scientific.label(-2e-4) == "\u{2212}2e-4")
        #expect(TickFormat.decimal.label(3.25) == "3.25")
        #expect(TickFormat.decimal.label(0.1 + 0.2) == "0.3")
        #expect(TickFormat.auto.label(3.25) == "3.25")
        #expect(TickFormat.auto.label(1e18) == "1e18")
        #expect(TickFormat.auto.label(5e7) == "50M")
        #expect(TickFormat.decimal.label(0) == "0")
        #expect(TickFormat.budgetLabel(1e15) == "C = 1e15")
        #expect(TickFormat.budgetLabel(2.5119e16) == "C = 2.51e16")
    }

    @Test func autoFormatIsConsistentAcrossAnAxis() {
        // 500 alone would be decimal; on an axis reaching 1e5 it joins the SI style.
        let labels = TickFormat.auto.labels(for: [500, 1e3, 1e4, 1e5], step: nil)
        #expect(labels == ["500", "1K", "10K", "100K"])
        let big = TickFormat.auto.labels(for: [1e14, 1e15, 1e16], step: nil)
        #expect(big == ["1e14", "1e15", "1e16"])
    }
}

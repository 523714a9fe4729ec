package draft

import (
	"fmt"
	"math/big"
	"strings"
)

// RateDecimals is how many decimals growth and completion rates keep. Rates are rounded half away
// from zero and always show that many decimals (5 → "5.0"), so the rule is the same for every rate.
const RateDecimals = 1

// Suffixes of derived figures' IDs: f2 gives f2.change, f2.growth, f2.completion, f2.gap.
const (
	SuffixChange     = ".change"
	SuffixGrowth     = ".growth"
	SuffixCompletion = ".completion"
	SuffixGap        = ".gap"
	// SuffixPrevious and SuffixTarget name a figure's previous and target values (see Compared).
	SuffixPrevious = ".previous"
	SuffixTarget   = ".target"
)

// Compared returns fig's previous and target values as figures of their own (ID.previous,
// ID.target), in fig's unit. The writer gave them, so a draft may state them ("2024年同期为85%"),
// but need not: they are bound figures that are never missing.
func Compared(fig Figure) []Figure {
	if fig.Derived {
		return nil
	}
	var out []Figure
	if fig.Previous != "" {
		out = append(out, Figure{ID: fig.ID + SuffixPrevious, Label: fig.Label + "（上期）", Value: fig.Previous, Unit: fig.Unit,
			DerivedFrom: fig.ID, Rule: "撰稿人填写的上期数"})
	}
	if fig.Target != "" {
		out = append(out, Figure{ID: fig.ID + SuffixTarget, Label: fig.Label + "（目标）", Value: fig.Target, Unit: fig.Unit,
			DerivedFrom: fig.ID, Rule: "撰稿人填写的目标数"})
	}
	return out
}

// Derive computes the figures implied by fig's previous and target values, with exact decimal
// arithmetic (math/big.Rat, never float64):
//
//   - change (ID.change) = value − previous, in fig's unit, keeping the larger number of decimals
//     of the two operands (exact, no rounding); for percentages (unit % or ‰) the change is in
//     个百分点 (个千分点);
//   - growth (ID.growth) = (value − previous) ÷ previous × 100, unit %, rounded to RateDecimals;
//     not for percentages (a growth rate of a rate misleads), nor when previous ≤ 0, nor when the
//     change is zero;
//   - completion (ID.completion) = value ÷ target × 100, unit %, rounded to RateDecimals; only when
//     target > 0 and the unit is not a percentage;
//   - gap (ID.gap) = value − target in 个百分点, for percentages instead of a completion rate.
//
// Labels say 比上期 ("than the previous period"): whether previous is the same period last year
// (同比) or the period before (环比) is the writer's to say, in the label or note.
// A value is never negative: a fall is stated by the label (减少, 下降, 低于) with the magnitude as
// the value, so "下降-5" can never be drafted. A zero change is 与上期持平 with value 0.
// Figures whose numbers do not parse (input that did not Validate) and derived figures derive nothing.
func Derive(fig Figure) []Figure {
	if fig.Derived {
		return nil
	}
	value, vd, ok := parseExact(fig.Value)
	if !ok {
		return nil
	}
	var out []Figure
	pointUnit, isRate := pointUnitOf(fig.Unit)
	if prev, pd, ok := parseExact(fig.Previous); ok {
		diff := new(big.Rat).Sub(value, prev)
		unit := fig.Unit
		up, down := "增加", "减少"
		if isRate {
			unit, up, down = pointUnit, "提高", "下降"
		}
		d := max(vd, pd)
		out = append(out, fig.derived(SuffixChange, signedLabel(fig.Label, diff, "比上期"+up, "比上期"+down, "与上期持平"),
			formatMagnitude(diff, d), unit,
			fmt.Sprintf("%s−%s=%s%s", fig.Value, fig.Previous, signedDecimal(diff, d), unit)+fallNote(diff, down, d, unit)))
		if !isRate && prev.Sign() > 0 && diff.Sign() != 0 {
			rate := percentOf(diff, prev)
			out = append(out, fig.derived(SuffixGrowth, signedLabel(fig.Label, rate, "比上期增长", "比上期下降", ""),
				formatMagnitude(rate, RateDecimals), "%",
				fmt.Sprintf("（%s−%s）÷%s×100%%%s%s%%%s", fig.Value, fig.Previous, fig.Previous, approxSign(rate), signedDecimal(rate, RateDecimals), roundingNote(rate))+fallNote(rate, "下降", RateDecimals, "%")))
		}
	}
	if target, td, ok := parseExact(fig.Target); ok {
		if isRate {
			diff := new(big.Rat).Sub(value, target)
			d := max(vd, td)
			out = append(out, fig.derived(SuffixGap, signedLabel(fig.Label, diff, "高于目标", "低于目标", "与目标持平"),
				formatMagnitude(diff, d), pointUnit,
				fmt.Sprintf("%s−%s=%s%s", fig.Value, fig.Target, signedDecimal(diff, d), pointUnit)+fallNote(diff, "低于目标", d, pointUnit)))
		} else if target.Sign() > 0 {
			rate := percentOf(value, target)
			out = append(out, fig.derived(SuffixCompletion, fig.Label+"完成目标",
				formatMagnitude(rate, RateDecimals), "%",
				fmt.Sprintf("%s÷%s×100%%%s%s%%%s", fig.Value, fig.Target, approxSign(rate), signedDecimal(rate, RateDecimals), roundingNote(rate))))
		}
	}
	return out
}

// WithDerived returns a copy of f in which every figure is followed by the figures Derive computes
// from it. Derived figures already present are dropped first, so calling it twice changes nothing.
func (f *Figures) WithDerived() *Figures {
	out := *f
	out.Sections = make([]SectionInput, len(f.Sections))
	for i, sec := range f.Sections {
		sec.Figures = nil
		for _, fig := range f.Sections[i].Figures {
			if fig.Derived {
				continue
			}
			sec.Figures = append(sec.Figures, fig)
			sec.Figures = append(sec.Figures, Derive(fig)...)
		}
		out.Sections[i] = sec
	}
	return &out
}

func (f Figure) derived(suffix, label, value, unit, rule string) Figure {
	return Figure{
		ID: f.ID + suffix, Label: label, Value: value, Unit: unit,
		Derived: true, DerivedFrom: f.ID, Rule: rule,
	}
}

// pointUnitOf returns the unit a change of a percentage is stated in, and whether unit is one.
func pointUnitOf(unit string) (string, bool) {
	switch unit {
	case "%", "％", "个百分点":
		return "个百分点", true
	case "‰", "个千分点":
		return "个千分点", true
	}
	return "", false
}

// signedLabel appends up, down or zero to label according to the sign of x.
func signedLabel(label string, x *big.Rat, up, down, zero string) string {
	switch x.Sign() {
	case 1:
		return label + up
	case -1:
		return label + down
	}
	return label + zero
}

// fallNote explains in the rule why a negative difference is stated as a positive value.
func fallNote(x *big.Rat, down string, decimals int, unit string) string {
	if x.Sign() >= 0 {
		return ""
	}
	return fmt.Sprintf("，即%s%s%s", down, formatMagnitude(x, decimals), unit)
}

// percentOf returns a ÷ b × 100 exactly; b must not be zero.
func percentOf(a, b *big.Rat) *big.Rat {
	r := new(big.Rat).Quo(a, b)
	return r.Mul(r, big.NewRat(100, 1))
}

// approxSign is "=" when x is exact at RateDecimals and "≈" when it was rounded.
func approxSign(x *big.Rat) string {
	if roundingNote(x) == "" {
		return "="
	}
	return "≈"
}

func roundingNote(x *big.Rat) string {
	scaled := new(big.Rat).Mul(x, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(RateDecimals), nil)))
	if scaled.IsInt() {
		return ""
	}
	return fmt.Sprintf("，四舍五入保留%s位小数", ChineseOrdinal(RateDecimals))
}

// parseExact parses a number in the accepted form (see checkFigureNumber) and returns its number of
// decimals.
func parseExact(s string) (*big.Rat, int, bool) {
	if !isPlainNumber(s) {
		return nil, 0, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, 0, false
	}
	decimals := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		decimals = len(s) - i - 1
	}
	return r, decimals, true
}

// formatMagnitude writes |x| with the given decimals, rounding half away from zero.
func formatMagnitude(x *big.Rat, decimals int) string {
	return new(big.Rat).Abs(x).FloatString(decimals)
}

// signedDecimal writes x with the given decimals and a "−" when it is negative.
func signedDecimal(x *big.Rat, decimals int) string {
	s := formatMagnitude(x, decimals)
	if x.Sign() < 0 {
		return "−" + s
	}
	return s
}

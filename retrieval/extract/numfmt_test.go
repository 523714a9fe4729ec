package extract

import "testing"

func TestFormatNumber(t *testing.T) {
	cases := []struct {
		n      int
		format string
		want   string
	}{
		{1, "chineseCounting", "一"},
		{10, "chineseCounting", "十"},
		{11, "chineseCounting", "十一"},
		{20, "chineseCounting", "二十"},
		{21, "chineseCounting", "二十一"},
		{99, "chineseCounting", "九十九"},
		{100, "chineseCounting", "一〇〇"},
		{2025, "chineseCounting", "二〇二五"},
		{10, "chineseCountingThousand", "十"},
		{15, "chineseCountingThousand", "十五"},
		{100, "chineseCountingThousand", "一百"},
		{101, "chineseCountingThousand", "一百〇一"},
		{110, "chineseCountingThousand", "一百一十"},
		{1010, "chineseCountingThousand", "一千〇一十"},
		{10000, "chineseCountingThousand", "一万"},
		{10001, "chineseCountingThousand", "一万〇一"},
		{100000, "chineseCountingThousand", "十万"},
		{10000, "taiwaneseCountingThousand", "一萬"},
		{10, "japaneseCounting", "十"},
		{100, "japaneseCounting", "百"},
		{2025, "japaneseCounting", "二千二十五"},
		{12, "chineseLegalSimplified", "壹拾贰"},
		{105, "chineseLegalSimplified", "壹佰零伍"},
		{2025, "ideographDigital", "二〇二五"},
		{1, "ideographTraditional", "甲"},
		{10, "ideographTraditional", "癸"},
		{11, "ideographTraditional", "甲"},
		{2, "ideographZodiac", "丑"},
		{3, "decimalEnclosedCircle", "③"},
		{20, "decimalEnclosedCircleChinese", "⑳"},
		{21, "decimalEnclosedCircle", "21"},
		{2, "decimalEnclosedParen", "⑵"},
		{2, "decimalEnclosedFullstop", "⒉"},
		{1, "ideographEnclosedCircle", "㈠"},
		{12, "decimalFullWidth", "１２"},
		{7, "decimalZero", "07"},
		{12, "decimalZero", "12"},
		{0, "decimal", "0"},
		{1, "lowerLetter", "a"},
		{27, "lowerLetter", "aa"},
		{28, "upperLetter", "BB"},
		{4, "lowerRoman", "iv"},
		{14, "upperRoman", "XIV"},
		{1999, "upperRoman", "MCMXCIX"},
		{22, "ordinal", "22nd"},
		{13, "ordinal", "13th"},
		{21, "cardinalText", "Twenty-one"},
		{105, "cardinalText", "One hundred five"},
		{12, "ordinalText", "Twelfth"},
		{30, "ordinalText", "Thirtieth"},
		{5, "none", ""},
		{5, "someFutureFormat", "5"},
		{0, "chineseCounting", "一"},
	}
	for _, c := range cases {
		t.Run(c.format+" writes "+c.want, func(t *testing.T) {
			if got := formatNumber(c.n, c.format); got != c.want {
				t.Errorf("formatNumber(%d, %s) = %q, want %q", c.n, c.format, got, c.want)
			}
		})
	}
}

package retrieval

import (
	"context"
	"fmt"
	"math"
	"testing"
)

func embedOne(t testing.TB, e *LocalEmbedder, s string) []float32 {
	t.Helper()
	vs, err := e.Embed(context.Background(), []string{s})
	if err != nil {
		t.Fatal(err)
	}
	return vs[0]
}

func TestLocalEmbedder(t *testing.T) {
	e := NewLocalEmbedder(256)
	a := "全面落实健康扶贫政策，贫困人口住院费用报销比例达到90%。"
	t.Run("vectors have the configured dimension and unit length", func(t *testing.T) {
		v := embedOne(t, e, a)
		if len(v) != 256 {
			t.Fatalf("dim = %d", len(v))
		}
		if n := math.Sqrt(float64(Dot(v, v))); math.Abs(n-1) > 1e-5 {
			t.Fatalf("norm = %v", n)
		}
	})
	t.Run("the same text gives the same vector in every process", func(t *testing.T) {
		// A fixed fingerprint catches any hash that depends on the process (e.g. maphash seeds).
		v := embedOne(t, e, a)
		v2 := embedOne(t, NewLocalEmbedder(256), a)
		if Dot(v, v2) < 0.99999 {
			t.Fatal("two embedders disagree on the same text")
		}
		if fp := fingerprint(v); fp != localFingerprint {
			t.Fatalf("fingerprint = %q, want %q (bump LocalEmbedderName if vectors changed on purpose)", fp, localFingerprint)
		}
	})
	t.Run("a paraphrase is closer than an unrelated passage", func(t *testing.T) {
		va := embedOne(t, e, a)
		vb := embedOne(t, e, "认真落实健康扶贫各项政策，贫困患者住院报销比例达到85%。")
		vc := embedOne(t, e, "加快推进高标准农田建设，粮食总产量稳定在600亿斤以上。")
		if ab, ac := Dot(va, vb), Dot(va, vc); ab <= ac+0.2 {
			t.Fatalf("paraphrase cosine %.3f not clearly above unrelated %.3f", ab, ac)
		}
	})
	t.Run("unrelated passages are nearly orthogonal", func(t *testing.T) {
		texts := []string{
			"加快推进高标准农田建设，粮食总产量稳定在600亿斤以上。",
			"深化教育综合改革，新建改扩建幼儿园12所。",
			"扎实推进生态环境保护，空气质量优良天数比例提高。",
			"全面落实健康扶贫政策，贫困人口住院费用报销比例达到90%。",
			"持续优化营商环境，新增市场主体1.2万户。",
		}
		var sum float64
		var n int
		for i := range texts {
			for j := i + 1; j < len(texts); j++ {
				sum += math.Abs(float64(Dot(embedOne(t, e, texts[i]), embedOne(t, e, texts[j]))))
				n++
			}
		}
		if mean := sum / float64(n); mean > 0.25 {
			t.Fatalf("mean |cosine| between unrelated passages = %.3f; signed hashing should keep it low", mean)
		}
	})
	t.Run("digits are folded so figures do not change the vector", func(t *testing.T) {
		v1 := embedOne(t, e, "享受政策人数36239人")
		v2 := embedOne(t, e, "享受政策人数10264人")
		if Dot(v1, v2) < 0.999 {
			t.Fatalf("cosine = %v", Dot(v1, v2))
		}
	})
	t.Run("a cancelled context stops embedding", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := e.Embed(ctx, []string{a}); err == nil {
			t.Fatal("want error")
		}
	})
}

const localFingerprint = "-3.694281" // local-v2

func fingerprint(v []float32) string {
	var s float64
	for i, x := range v {
		s += float64(x) * float64(i%7+1)
	}
	return fmt.Sprintf("%.6f", s)
}

func BenchmarkLocalEmbedder(b *testing.B) {
	e := NewLocalEmbedder(256)
	p := "一是全面落实健康扶贫政策，全县享受健康扶贫政策36239人，大病专项救治1026人，报销比例达到90%。二是开展送医送药活动，累计服务贫困慢病患者9478名，总费用226.7万元。三是完善分级诊疗制度，县域内就诊率达到90%以上，群众就医负担明显减轻。"
	texts := make([]string, 64)
	for i := range texts {
		texts[i] = p
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Embed(context.Background(), texts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "passages/s")
}

package concept

import (
	"bufio"
	"encoding/json"
	"os"
	"sort"
	"testing"
	"unicode"
)

func TestFindConcepts(t *testing.T) {
	tests := []struct {
		lang, text, want string
	}{
		{"de", "Papst Franziskus ist tot", "death"},
		{"en", "Pope Francis dies at 88", "death"},
		{"ru", "Папа Франциск скончался в понедельник", "death"},
		{"ko", "프란치스코 교황 선종", "death"},
		{"fr", "Les funérailles du pape ont eu lieu samedi", "funeral"},
		{"ru", "Похороны папы прошли на площади", "funeral"},
		{"es", "El sepelio del pontífice", "funeral"},
		{"ja", "教皇の葬儀が行われた", "funeral"},
		{"ar", "اتفاق وقف إطلاق النار بين البلدين", "ceasefire"},
		{"hi", "युद्धविराम की घोषणा", "ceasefire"},
		{"pt", "Índia e Paquistão anunciam cessar-fogo", "ceasefire"},
		{"fa", "آتش‌بس میان دو کشور", "ceasefire"},
		{"zh", "缅甸发生7.7级地震", "earthquake"},
		{"vi", "Trận động đất mạnh ở Myanmar", "earthquake"},
		{"ko", "대형 산불이 번졌다", "wildfire"},
		{"en", "Wildfires rage across Los Angeles", "wildfire"},
		{"de", "Der Verdächtige wurde festgenommen", "arrest"},
		{"es", "El sospechoso se declaró no culpable", "plea"},
		{"en", "The suspect pleaded not guilty", "plea"},
		{"it", "Il Papa eletto dal conclave", "conclave"},
		{"pl", "Czarny dym nad Kaplicą Sykstyńską", "conclave"},
		{"es", "Apagón masivo en España y Portugal", "blackout"},
		{"ur", "بھارت نے پاکستان پر میزائل داغ دیے", "missile"},
		{"tr", "Yolcu uçağı düştü, uçak kazası", "plane_crash"},
		{"ar", "والانتخابات الرئاسية", "election"},
		{"ko", "헌법재판소가 윤석열 대통령을 파면했다", "impeachment"},
		{"th", "เกิดแผ่นดินไหวรุนแรง", "earthquake"},
		{"sq", "Ata shpallën armëpushim", "ceasefire"},
		{"de", "Merz im zweiten Wahlgang zum Kanzler gewählt", "elected"},
		{"fr", "La cérémonie d'intronisation du pape Léon XIV", "inauguration"},
	}
	for _, tt := range tests {
		got := Find(tt.lang, tt.text)
		if got[tt.want] == 0 {
			t.Errorf("Find(%q, %q) = %v, want %s", tt.lang, tt.text, got, tt.want)
		}
	}
}

func TestNoFalseHits(t *testing.T) {
	tests := []struct{ lang, text string }{
		{"en", "The cat sat on the mat and looked at the garden."},
		{"en", "According to the museum, the new diesel buses arrive in March."},
		{"de", "Die Kinder spielen heute im Park mit ihrem Hund."},
		{"fr", "Nous aimons lire des livres le dimanche matin."},
		{"es", "Mi hermana cocina una sopa deliciosa los domingos."},
		{"it", "Andiamo al mare con gli amici questa estate."},
		{"pt", "Eles estão indo para a praia amanhã de manhã."},
		{"ru", "Мы читаем интересную книгу о кошках."},
		{"ar", "ذهب الطفل إلى المدرسة مع أخيه الصغير"},
		{"hi", "बच्चे बगीचे में खेल रहे हैं।"},
		{"zh", "我喜欢喝茶和看书。"},
		{"ja", "私は毎朝コーヒーを飲みます。"},
		{"ko", "나는 아침마다 커피를 마신다."},
		{"tr", "Çocuklar bahçede kazan ile oynuyor."},
	}
	for _, tt := range tests {
		if got := Find(tt.lang, tt.text); len(got) != 0 {
			t.Errorf("Find(%q, %q) = %v, want none", tt.lang, tt.text, got)
		}
	}
}

func TestCountsAndCoverage(t *testing.T) {
	if n := len(Concepts()); n < 70 {
		t.Errorf("%d concepts, want at least 70", n)
	}
	langs := Languages()
	for _, l := range []string{"en", "de", "fr", "es", "it", "pt", "ru", "uk", "pl", "cs", "sk", "sl", "hr", "sr", "bg", "hu", "ro", "el", "tr", "ar", "fa", "ur", "hi", "mr", "gu", "ta", "bn", "ja", "zh", "ko", "vi", "th", "id", "tl", "nl", "sv", "sq"} {
		if langs[l] < 10 {
			t.Errorf("language %s has %d concepts", l, langs[l])
		}
	}
	if got := Find("en", "death toll rises; bodies found; the dead were counted"); got["death_toll"] < 2 {
		t.Errorf("death_toll count = %d, want ≥ 2", got["death_toll"])
	}
	if got := Find("xx", "anything"); got != nil {
		t.Errorf("unknown language gave %v", got)
	}
}

// TestLexiconForms checks the lexicon's form rules:
// short prefixes in alphabetic scripts.
func TestLexiconForms(t *testing.T) {
	l := load()
	for lang, m := range l.langs {
		if m.substring {
			continue
		}
		for _, fs := range m.byKey {
			for _, f := range fs {
				r := []rune(f.parts[0])
				if len(f.parts) == 1 && !f.exact && len(r) < 4 && unicode.In(r[0], unicode.Latin, unicode.Cyrillic, unicode.Greek) {
					t.Errorf("%s: form %q of %s is a short prefix", lang, f.text, l.concepts[f.concept])
				}
			}
		}
	}
}

type devArticle struct {
	Lang, Text, Event, Story string
}

func readDev(tb testing.TB) []devArticle {
	f, err := os.Open("../../../shared/corpus/dev/dev.jsonl")
	if err != nil {
		tb.Skip("dev set not available:", err)
	}
	defer f.Close()
	var out []devArticle
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var a devArticle
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			tb.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func TestDevSet(t *testing.T) {
	arts := readDev(t)
	found := make([]map[string]int, len(arts))
	covered := map[string][2]int{}
	total := 0
	for i, a := range arts {
		found[i] = Find(a.Lang, a.Text)
		c := covered[a.Lang]
		c[1]++
		if len(found[i]) > 0 {
			c[0]++
			total++
		}
		covered[a.Lang] = c
	}
	var langs []string
	for l := range covered {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		t.Logf("coverage %s: %d/%d", l, covered[l][0], covered[l][1])
	}
	t.Logf("coverage all: %d/%d", total, len(arts))
	if total*10 < len(arts)*7 {
		t.Errorf("coverage %d/%d below 70%%", total, len(arts))
	}

	// Cross-language pairs: same event versus same story, other event.
	var same, sameShare, diff, diffShare int
	var sameJ, diffJ float64
	for i := range arts {
		for j := i + 1; j < len(arts); j++ {
			a, b := arts[i], arts[j]
			if a.Lang == b.Lang || a.Story != b.Story {
				continue
			}
			sh := Shared(found[i], found[j])
			jac := jaccard(found[i], found[j])
			if a.Event == b.Event {
				same++
				sameJ += jac
				if len(sh) > 0 {
					sameShare++
				}
			} else {
				diff++
				diffJ += jac
				if len(sh) > 0 {
					diffShare++
				}
			}
		}
	}
	if same == 0 || diff == 0 {
		t.Fatal("no pairs")
	}
	t.Logf("cross-language same-event pairs sharing ≥1 concept: %d/%d (%.1f%%), mean Jaccard %.3f",
		sameShare, same, 100*float64(sameShare)/float64(same), sameJ/float64(same))
	t.Logf("cross-language same-story different-event pairs sharing ≥1 concept: %d/%d (%.1f%%), mean Jaccard %.3f",
		diffShare, diff, 100*float64(diffShare)/float64(diff), diffJ/float64(diff))
	if sameJ/float64(same) <= diffJ/float64(diff) {
		t.Errorf("concepts do not separate events: mean Jaccard same %.3f ≤ different %.3f",
			sameJ/float64(same), diffJ/float64(diff))
	}
}

func jaccard(a, b map[string]int) float64 {
	inter, union := 0, len(b)
	for c := range a {
		if b[c] > 0 {
			inter++
		} else {
			union++
		}
	}
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

func BenchmarkFind(b *testing.B) {
	arts := readDev(b)
	load()
	var n int64
	for _, a := range arts {
		n += int64(len(a.Text))
	}
	b.SetBytes(n / int64(len(arts)))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a := arts[i%len(arts)]
		Find(a.Lang, a.Text)
	}
}

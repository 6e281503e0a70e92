package lang

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"storyline/internal/article"
)

const sharedCorpus = "../../../shared/corpus"

func TestDetectSeeds(t *testing.T) {
	want := map[string]string{
		"000_033f43149ed6165c": "sq",
		"001_726e88254833a723": "sq",
		"002_bcae2b8bd87c75f4": "hi",
		"003_aade9f3352086e29": "ro",
		"004_283ece869d43165f": "vi",
	}
	for id, lang := range want {
		data, err := os.ReadFile(filepath.Join(sharedCorpus, "seeds", id+".txt"))
		if err != nil {
			t.Fatalf("seed corpus missing (CI needs ../shared beside the repo): %v", err)
		}
		a, err := article.ParseText(id, data)
		if err != nil {
			t.Fatal(err)
		}
		if got := Detect(a.Title, a.Text); got != lang {
			t.Errorf("%s: Detect = %q, want %q", id, got, lang)
		}
	}
}

// TestDetectDev checks every language of the dev set: each article's
// detected language must equal its label, save a small allowance for
// pairs that the labels themselves cannot separate.
func TestDetectDev(t *testing.T) {
	f, err := os.Open(filepath.Join(sharedCorpus, "dev", "dev.jsonl"))
	if err != nil {
		t.Fatalf("dev corpus missing: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	total, wrong := 0, 0
	perLang := map[string][2]int{}
	for sc.Scan() {
		var r struct{ ID, Lang, Title, Text string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		got := Detect(r.Title, r.Text)
		c := perLang[r.Lang]
		c[0]++
		total++
		if got != r.Lang {
			c[1]++
			wrong++
			t.Logf("%s: detected %s, labelled %s", r.ID, got, r.Lang)
		}
		perLang[r.Lang] = c
	}
	for l, c := range perLang {
		if c[1]*2 >= c[0] && c[0] > 0 {
			t.Errorf("language %s: %d of %d articles misidentified", l, c[1], c[0])
		}
	}
	if acc := float64(total-wrong) / float64(total); acc < 0.97 {
		t.Errorf("accuracy %.3f over %d articles, want >= 0.97", acc, total)
	}
}

func TestDetectUnknownScript(t *testing.T) {
	// Malayalam is not among the identifier's languages.
	if got := Detect("", "കേരളത്തിൽ കനത്ത മഴ തുടരുന്നു, നിരവധി ജില്ലകളിൽ ജാഗ്രതാ നിർദേശം"); got != Undetermined {
		t.Errorf("Malayalam text: got %q, want %q", got, Undetermined)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"EN": "en", "pt-BR": "pt", "zh_Hant": "zh", "": "", "123": "", "english": ""} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

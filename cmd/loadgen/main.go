// Command loadgen measures a running `storyline serve` on this machine:
// readers request the read endpoints as fast as they are answered while
// writers post new articles, then every posted article is read back.
//
//	storyline serve --db dev.db --token T &
//	loadgen -base http://127.0.0.1:8080 -token T -articles dev.jsonl -duration 30s
//
// It only talks to loopback addresses.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"time"

	"storyline/internal/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen: "+err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	var cfg loadgen.Config
	fs.StringVar(&cfg.Base, "base", "http://127.0.0.1:8080", "server URL (loopback only)")
	fs.StringVar(&cfg.Token, "token", os.Getenv("STORYLINE_TOKEN"), "bearer token for writes (default $STORYLINE_TOKEN)")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long to run")
	fs.IntVar(&cfg.Readers, "readers", 8, "concurrent GET clients")
	fs.IntVar(&cfg.Writers, "writers", 1, "concurrent POST clients (0: reads only)")
	fs.IntVar(&cfg.Batch, "batch", 5, "articles per POST")
	articles := fs.String("articles", "", "JSON Lines file of articles to post under new ids")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopback(cfg.Base); err != nil {
		return err
	}
	if cfg.Writers > 0 {
		if *articles == "" {
			return errors.New("-articles FILE is needed for writers (or -writers 0)")
		}
		var err error
		if cfg.Articles, err = readArticles(*articles); err != nil {
			return err
		}
	}
	cfg.Queries = []string{"Trump", "Putin", "Budapest", "Zelensky", "Трамп"}
	rep, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Print(rep)
	if rep.Reads.Errors+rep.Writes.Errors+rep.Lost > 0 {
		return fmt.Errorf("%d read errors, %d write errors, %d lost writes", rep.Reads.Errors, rep.Writes.Errors, rep.Lost)
	}
	return nil
}

// loopback refuses any server not on this machine.
func loopback(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return fmt.Errorf("bad -base %q", base)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-base %s is not a loopback address; loadgen only measures a server on this machine", base)
}

func readArticles(path string) ([]loadgen.Article, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []loadgen.Article
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		var a loadgen.Article
		if json.Unmarshal(sc.Bytes(), &a) == nil && a.ID != "" && a.Text != "" {
			out = append(out, a)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no articles", path)
	}
	return out, nil
}

// Command bench measures Lingting against the performance targets of the
// customer-archive issue (docs/PERFORMANCE.md). It builds a whole app in this
// process, serves it on 127.0.0.1 and drives it over real HTTP with the API,
// as the admin and as a user scoped to one branch subtree.
//
//	go run ./bench archive [-engine sqlite|postgres] [-n 1000000] [-requests 200]
//	go run ./bench import  [-engine …] [-rows 100000] [-formats csv,xlsx]
//	go run ./bench export  [-engine …] [-n 1000000]
//	go run ./bench archive export -n 1000000     # one load, both measurements
//	go run ./bench analytics [-analytics-tickets 1000000]   # the reports over a 10^6-ticket history, see analytics.go
//	go run ./bench tickets [-tickets 1000000] [-wrk-duration 20s]   # ticket API under wrk, see tickets.go
//	go run ./bench ratings-ingest | ratings-report [-ratings 10000000]   # see ratings.go
//
// PostgreSQL runs use a fresh database on the server of LINGTING_TEST_POSTGRES_URL:
//
//	scripts/with-postgres.sh go run ./bench archive -engine postgres
//
// Every run is bounded by -timeout (default 15 min): the context ends, and a
// watchdog exits the process shortly after if a step does not notice.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"time"
)

// options are the command's flags.
type options struct {
	Engine        string
	N             int           // archive size (archive, export)
	Requests      int           // measured requests per query kind
	Warmup        int           // unmeasured requests per query kind first
	Budget        time.Duration // time after which a slow series stops early (with at least 20 samples)
	Rows          int           // rows per import file
	Formats       string        // import formats: csv, xlsx
	Base          int           // customers bulk-loaded before an import
	Batch         int           // rows per multi-row INSERT of the bulk loader
	TxRows        int           // rows per transaction of the bulk loader
	Timeout       time.Duration // bound of the whole run
	DBPath        string        // SQLite file to keep and reuse (empty: a temporary file)
	Analyze       bool          // run ANALYZE on SQLite after loading (PostgreSQL always analyzes)
	Explain       bool          // print the query plans of the measured list/search queries
	Kinds         string        // archive: only these series kinds, comma-separated (list, name, address, phone, initials); all when empty
	Seed          uint64        // data generator seed
	DemoCustomers int           // customers the demo loader seeds through the service
	CPUProfile    string        // write a CPU profile of the whole run here
	Trace         string        // write an execution trace of the whole run here
	Out           io.Writer     // results
	Log           io.Writer     // progress
}

func defaultOptions() options {
	return options{Engine: "sqlite", N: 1_000_000, Requests: 200, Warmup: 20, Rows: 100_000, Formats: "csv,xlsx",
		Batch: 250, TxRows: 20_000, Budget: 2 * time.Minute, Timeout: 15 * time.Minute, Seed: 2026, DemoCustomers: 12, Out: os.Stdout, Log: os.Stderr}
}

func main() {
	opt := defaultOptions()
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	fs.StringVar(&opt.Engine, "engine", opt.Engine, "sqlite or postgres (postgres needs LINGTING_TEST_POSTGRES_URL)")
	fs.IntVar(&opt.N, "n", opt.N, "customers in the archive (archive, export)")
	fs.IntVar(&opt.Requests, "requests", opt.Requests, "measured requests per query kind (archive)")
	fs.IntVar(&opt.Warmup, "warmup", opt.Warmup, "unmeasured warm-up requests per query kind (archive)")
	fs.DurationVar(&opt.Budget, "budget", opt.Budget, "a series slower than this stops early once it has 20 samples (archive)")
	fs.IntVar(&opt.Rows, "rows", opt.Rows, "rows per import file (import)")
	fs.StringVar(&opt.Formats, "formats", opt.Formats, "import file formats, comma-separated: csv (GBK), xlsx")
	fs.IntVar(&opt.Base, "base", opt.Base, "customers bulk-loaded before the import (import)")
	fs.IntVar(&opt.Batch, "batch", opt.Batch, "rows per multi-row INSERT (bulk loader)")
	fs.IntVar(&opt.TxRows, "tx-rows", opt.TxRows, "customers per transaction (bulk loader)")
	fs.DurationVar(&opt.Timeout, "timeout", opt.Timeout, "bound of the whole run")
	fs.StringVar(&opt.DBPath, "db", opt.DBPath, "SQLite file to keep and reuse across runs (loaded only up to -n)")
	fs.BoolVar(&opt.Analyze, "analyze", opt.Analyze, "run ANALYZE on SQLite after loading (the app never does; PostgreSQL is always analyzed)")
	fs.BoolVar(&opt.Explain, "explain", opt.Explain, "print the query plans of the measured queries")
	fs.StringVar(&opt.Kinds, "kinds", opt.Kinds, "archive: measure only these kinds of request, comma-separated: list, name, address, phone, initials (all when empty)")
	fs.Uint64Var(&opt.Seed, "seed", opt.Seed, "data generator seed (a kept -db must be reused with the same seed)")
	fs.StringVar(&opt.CPUProfile, "cpuprofile", "", "write a CPU profile of the run (server and client) to this file")
	fs.StringVar(&opt.Trace, "trace", "", "write an execution trace of the run to this file (go tool trace -pprof=syscall|sync|sched)")
	analyticsFlags(fs)
	ratingFlags(fs)
	ticketFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: go run ./bench [flags] archive|import|export [more scenarios…] [flags]")
		fs.PrintDefaults()
	}
	// Scenarios and flags may come in any order.
	var scenarios []string
	args := os.Args[1:]
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			os.Exit(2)
		}
		args = fs.Args()
		if len(args) > 0 {
			scenarios = append(scenarios, args[0])
			args = args[1:]
		}
	}
	if len(scenarios) == 0 {
		fs.Usage()
		os.Exit(2)
	}
	quietLogs()
	ctx, cancel := context.WithTimeout(context.Background(), opt.Timeout)
	defer cancel()
	// The watchdog: a step that ignores the context still cannot outlive the bound.
	time.AfterFunc(opt.Timeout+30*time.Second, func() {
		fmt.Fprintf(os.Stderr, "bench: timeout %s exceeded, exiting\n", opt.Timeout)
		os.Exit(3)
	})
	if opt.CPUProfile != "" {
		f, err := os.Create(opt.CPUProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if opt.Trace != "" {
		f, err := os.Create(opt.Trace)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		if err := trace.Start(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer trace.Stop()
	}
	if err := run(ctx, opt, scenarios); err != nil {
		pprof.StopCPUProfile()
		trace.Stop()
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (the -timeout of %s)", err, opt.Timeout)
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, opt options, scenarios []string) error {
	fmt.Fprintf(opt.Out, "# lingting bench: %s on %s, %s, GOMAXPROCS=%d, %s\n", strings.Join(scenarios, "+"), opt.Engine,
		runtime.Version(), runtime.GOMAXPROCS(0), time.Now().Format(time.RFC3339))
	var env *Env // the archive app, shared by archive and export
	defer func() {
		if env != nil {
			env.Close()
		}
	}()
	archiveEnv := func() (*Env, error) {
		if env != nil {
			return env, nil
		}
		e, err := NewEnv(ctx, opt, opt.DBPath)
		if err != nil {
			return nil, err
		}
		env = e
		if _, err := env.EnsureArchive(ctx, opt.N); err != nil {
			return nil, err
		}
		return env, nil
	}
	for _, sc := range scenarios {
		switch sc {
		case "load": // only build (or top up) the archive, e.g. a kept -db for later runs
			if _, err := archiveEnv(); err != nil {
				return err
			}
		case "archive":
			e, err := archiveEnv()
			if err != nil {
				return err
			}
			if _, err := RunArchive(ctx, e, opt); err != nil {
				return err
			}
		case "export":
			e, err := archiveEnv()
			if err != nil {
				return err
			}
			if _, err := RunExport(ctx, e, opt); err != nil {
				return err
			}
		case "import":
			if _, err := RunImport(ctx, opt); err != nil {
				return err
			}
		case "analytics":
			if err := runAnalytics(ctx, opt); err != nil {
				return err
			}
		case "ratings-ingest", "ratings-report":
			if err := runRatings(ctx, opt, sc); err != nil {
				return err
			}
		case "tickets":
			if err := runTickets(ctx, opt); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown scenario %q (want archive, import or export)", sc)
		}
	}
	return nil
}

// quietLogs keeps the server's request logs out of the output; warnings show.
func quietLogs() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

package customer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"lingting/internal/app"
	"lingting/internal/audit"
	"lingting/internal/config"
	"lingting/internal/customer"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/testutil"
)

// crashEnv names the variables that turn this test binary into the process
// that dies in the middle of applying an import.
const (
	crashDB     = "LINGTING_CRASH_DB"
	crashImport = "LINGTING_CRASH_IMPORT"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(crashDB); url != "" {
		os.Exit(crashWhileApplying(url, os.Getenv(crashImport)))
	}
	os.Exit(m.Run())
}

// crashWhileApplying applies an import and exits abruptly after two rows,
// inside the transaction: what a power cut or kill -9 would do.
func crashWhileApplying(url, importID string) int {
	ctx := context.Background()
	a, err := app.New(ctx, config.Config{DatabaseURL: url, LoginRate: 1, LogFormat: "text"}, app.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	id, _ := strconv.ParseInt(importID, 10, 64)
	customer.ApplyHook = func(applied int) {
		if applied == 2 {
			customer.CrashForTest()
		}
	}
	ctx = scope.With(ctx, scope.System())
	ctx = perm.With(ctx, perm.Set{"import.create": true, "import.approve": true})
	ctx = audit.WithActor(ctx, audit.Actor{UserID: 1, Name: "crash"})
	_, err = a.Customers.ApplyImport(ctx, id)
	fmt.Fprintln(os.Stderr, "apply returned without crashing:", err)
	return 1
}

func TestCrashDuringApplyLeavesNothingHalfApplied(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		url := testutil.DatabaseURL(t, engine)
		a := testutil.NewApp(t, engine, testutil.Options{DatabaseURL: url, Demo: true, DemoCustomers: 12})
		admin := a.Admin()
		before := admin.Do("GET", "/api/v1/customers", nil).Total()
		csv := "客户名称,手机号码,所属机构编码\r\n甲一,13922220001,HXB-BJ-HD-01\r\n乙二,13922220002,HXB-BJ-HD-01\r\n丙三,13922220003,HXB-BJ-HD-01\r\n丁四,13922220004,HXB-BJ-HD-01\r\n"
		up := admin.Upload("/api/v1/imports", map[string]string{"kind": "customers"}, "c.csv", []byte(csv))
		id := up.Int("id")
		deadline := time.Now().Add(20 * time.Second)
		for admin.Do("GET", fmt.Sprintf("/api/v1/imports/%d", id), nil).String("status") != "ready" {
			if time.Now().After(deadline) {
				t.Fatal("import never became ready")
			}
			time.Sleep(50 * time.Millisecond)
		}

		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashDB+"="+url, crashImport+"="+strconv.FormatInt(id, 10))
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 3 {
			t.Fatalf("the applying process should have died with code 3: %v\n%s", err, out)
		}

		if n := admin.Do("GET", "/api/v1/customers", nil).Total(); n != before {
			t.Fatalf("after the crash %d customers, want %d: half an import landed", n, before)
		}
		imp := admin.Do("GET", fmt.Sprintf("/api/v1/imports/%d", id), nil)
		if imp.String("status") != "ready" {
			t.Fatalf("import status after the crash: %s", imp.Body)
		}
		if r := admin.Do("POST", fmt.Sprintf("/api/v1/imports/%d/apply", id), nil); r.String("status") != "applied" {
			t.Fatalf("retry after the crash: %d %s", r.Status, r.Body)
		}
		if n := admin.Do("GET", "/api/v1/customers", nil).Total(); n != before+4 {
			t.Fatalf("after the retry %d customers, want %d", n, before+4)
		}
	})
}

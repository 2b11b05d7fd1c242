# Lingting — 聆听客户服务管理系统
GO      ?= go
BIN     := bin/lingting
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X lingting/internal/app.Version=$(VERSION)

# `make run` starts on the embedded SQLite with demo data and this admin password.
ADMIN_LOGIN    ?= $(or $(LINGTING_ADMIN_LOGIN),admin)
ADMIN_PASSWORD ?= $(or $(LINGTING_ADMIN_PASSWORD),Admin@2026)
# Go packages (not ./...: web/node_modules may hold stray Go files).
GOPKGS := ./cmd/... ./internal/... ./web

.PHONY: all run build web web-deps test test-deps lint test-go test-web test-e2e fuzz clean

all: build

## run: build everything and start the server on SQLite with demo data
run: build
	LINGTING_DEMO=1 LINGTING_ADMIN_LOGIN='$(ADMIN_LOGIN)' LINGTING_ADMIN_PASSWORD='$(ADMIN_PASSWORD)' ./$(BIN) serve

## build: the binary with the web UI embedded
build: web
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/lingting

web-deps: web/node_modules/.installed

web/node_modules/.installed: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

web: web-deps
	cd web && npm run build

## test: every test — lint, Go on SQLite and PostgreSQL, frontend unit tests, browser tests
test: test-deps lint test-web test-go test-e2e

test-deps:
	@scripts/test-deps.sh

lint: web-deps
	@test -z "$$(gofmt -l cmd internal web/embed.go)" || (echo "gofmt needed:"; gofmt -l cmd internal; exit 1)
	$(GO) vet $(GOPKGS)
	$(GO) tool staticcheck $(GOPKGS)
	cd web && npm run lint && npm run typecheck

test-go:
	scripts/with-postgres.sh $(GO) test -count=1 -timeout 45m $(GOPKGS)
	$(MAKE) fuzz FUZZTIME=20000x

test-web: web-deps
	cd web && npm run test:unit

test-e2e: build e2e/node_modules/.installed
	cd e2e && node run.mjs

e2e/node_modules/.installed: e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund
	touch $@

## fuzz: short fuzz runs of the request decoder and the import parsers (FUZZTIME each)
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./internal/httpapi -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME)
	$(GO) test ./internal/importer -run '^$$' -fuzz FuzzOpenCSV -fuzztime $(FUZZTIME)
	$(GO) test ./internal/importer -run '^$$' -fuzz FuzzParseCustomerRow -fuzztime $(FUZZTIME)
	$(GO) test ./internal/importer -run '^$$' -fuzz FuzzValidators -fuzztime $(FUZZTIME)

clean:
	rm -rf bin web/dist/assets web/dist/index.html

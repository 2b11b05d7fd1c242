// Test harness for the browser journeys: starts the built binary on a fresh
// SQLite database with demo data, launches Debian's chromium through
// playwright-core, and saves a screenshot of every failed step.
import { spawn } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import net from 'node:net'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
export const artifacts = join(here, 'artifacts')
export const ADMIN_PASSWORD = 'Admin@e2e-2026'
export const DEMO_PASSWORD = 'Demo@2026'

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

// startServer runs bin/lingting serve and resolves once /readyz answers.
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'lingting-e2e-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const proc = spawn(join(here, '..', 'bin', 'lingting'), ['serve'], {
    env: {
      ...process.env,
      LINGTING_ADDR: `127.0.0.1:${port}`,
      LINGTING_DATABASE_URL: `sqlite://${join(dir, 'lingting.db')}`,
      LINGTING_DATA_DIR: join(dir, 'data'),
      LINGTING_ADMIN_LOGIN: 'admin',
      LINGTING_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LINGTING_DEMO: '1',
      // The journeys need the demo's people and places, not make run's 30,000-ticket history.
      LINGTING_DEMO_TICKETS: '1500',
      LINGTING_LOG_LEVEL: 'warn',
      // Every journey logs in from 127.0.0.1; the per-address limit (20 a minute) is the Go tests' to check.
      LINGTING_LOGIN_RATE: '1000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  // The demo data (a year of tickets and ratings) load on first start; on a
  // busy 2-core machine that can take a while.
  const deadline = Date.now() + 180_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`)
    try {
      const r = await fetch(`${base}/readyz`)
      if (r.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGTERM')
      throw new Error('server did not become ready in 180 s')
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    base,
    async stop() {
      proc.kill('SIGTERM')
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--lang=zh-CN'],
  })
}

// Journey runs named steps on one page; a failing step saves a screenshot and
// the page's HTML under e2e/artifacts and fails the run.
export class Journey {
  constructor(name, page) {
    this.name = name
    this.page = page
    this.passed = 0
  }

  async step(title, fn) {
    const started = Date.now()
    try {
      await fn(this.page)
      this.passed++
      console.log(`  ✓ ${this.name}: ${title} (${Date.now() - started} ms)`)
    } catch (err) {
      mkdirSync(artifacts, { recursive: true })
      const file = join(artifacts, `${this.name}-${this.passed + 1}`.replace(/[^\w.-]+/g, '_'))
      await this.page.screenshot({ path: `${file}.png`, fullPage: true }).catch(() => {})
      console.log(`  ✗ ${this.name}: ${title}\n    ${err.stack || err}\n    screenshot: ${file}.png`)
      throw err
    }
  }

  // shot saves a screenshot for people to look at (not a failure).
  async shot(label) {
    mkdirSync(artifacts, { recursive: true })
    await this.page.screenshot({ path: join(artifacts, `${this.name}-${label}.png`), fullPage: true })
  }
}

// login signs a user in through the login page and waits for the home page.
export async function login(page, base, user, password = DEMO_PASSWORD) {
  const $ = (id) => `[data-test="${id}"]`
  await page.goto(`${base}/login`)
  await page.fill($('login-user'), user)
  await page.fill($('login-password'), password)
  await page.click($('login-submit'))
  await page.waitForSelector($('home-welcome'))
}

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`)
}

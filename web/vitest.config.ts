import { fileURLToPath } from 'node:url'
import { defineConfig, mergeConfig } from 'vitest/config'
import viteConfig from './vite.config.ts'

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      environment: 'happy-dom',
      include: ['tests/unit/**/*.spec.ts'],
      root: fileURLToPath(new URL('./', import.meta.url)),
      // App-level specs mount the whole app; on a loaded 2-core machine that
      // can take well over the 5–10 s defaults without anything being wrong.
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  }),
)

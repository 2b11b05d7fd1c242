import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// Vendor code is split so the application chunks stay small and cache well.
const elementPlus = /[\\/]node_modules[\\/](element-plus|@element-plus|@vueuse|@floating-ui|@ctrl|@sxzz|dayjs|async-validator|lodash|lodash-es|lodash-unified|memoize-one|normalize-wheel-es)[\\/]/
const vueVendor = /[\\/]node_modules[\\/](vue|@vue|vue-router|pinia|vue-i18n|@intlify)[\\/]/

export default defineConfig({
  base: '/',
  plugins: [vue()],
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./src', import.meta.url)),
    },
  },
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  server: {
    proxy: {
      '/api': {
        target: 'http://127.0.0.1:8080',
        changeOrigin: false,
      },
    },
  },
  build: {
    outDir: 'dist',
    // Keep dist/.gitkeep's directory; the build script re-creates the file.
    emptyOutDir: true,
    // Element Plus imported in full is one ~1 MB chunk by design.
    chunkSizeWarningLimit: 1100,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'element-plus', test: elementPlus, priority: 20 },
            { name: 'vue-vendor', test: vueVendor, priority: 10 },
          ],
        },
      },
    },
  },
})

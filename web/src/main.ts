import 'element-plus/dist/index.css'
import './styles.css'
import { createLingtingApp } from './app'

createLingtingApp().app.mount('#app')

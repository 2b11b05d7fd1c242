// Field errors from the server's error envelope, bound to el-form-item's :error.
import { reactive } from 'vue'
import { isApiError } from '../api/http'
import { showError } from '../notify'

export function useFieldErrors() {
  const errors = reactive<Record<string, string>>({})

  function clear(): void {
    for (const k of Object.keys(errors)) delete errors[k]
  }

  /** Shows the error's message and puts its field errors next to the fields. */
  function fail(err: unknown): void {
    clear()
    if (isApiError(err)) Object.assign(errors, err.fields)
    showError(err)
  }

  return { errors, clear, fail }
}

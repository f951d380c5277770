import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { SchemaCompilers } from '../src/app.js'
import { inputValidators } from '../src/http/validation.js'

/**
 * Schema compilers shared by every app a test process builds. Every app declares the same route
 * schemas, so a validator or serializer compiled for the first app serves all the others: they
 * are kept by the schema's JSON text (many route schemas are built inline, a new but equal object
 * per app) together with the shared schemas and options they were compiled with. Compiling them
 * again for each test's app was most of the cost of building it.
 */
const validatorBuilder = inputValidators()
const serializerBuilder = SerializerSelector()

type Build<F> = F extends (external: infer E, options: infer O) => infer C ? { external: E; options: O; compile: C } : never
type V = Build<typeof validatorBuilder>
type S = Build<typeof serializerBuilder>

function memoized<E, O, C extends (input: never) => unknown>(builder: (external: E, options: O) => C): (external: E, options: O) => C {
  const compiled = new Map<string, unknown>()
  return (external, options) => {
    const context = JSON.stringify([external, options])
    const compile = builder(external, options) as unknown as (input: { schema: unknown; httpPart?: string }) => unknown
    return ((input: { schema: unknown; httpPart?: string }) => {
      // The request part decides coercion (a body is validated strictly, a query string coerced).
      const key = `${context}\n${input.httpPart ?? ''}\n${JSON.stringify(input.schema)}`
      let fn = compiled.get(key)
      if (!fn) compiled.set(key, (fn = compile(input)))
      return fn
    }) as unknown as C
  }
}

export const sharedCompilers: SchemaCompilers = {
  buildValidator: memoized<V['external'], V['options'], V['compile']>(validatorBuilder),
  buildSerializer: memoized<S['external'], S['options'], S['compile']>(serializerBuilder),
}

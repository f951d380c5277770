/* global process */
// The baseline: a bare Fastify hello-world, the most this runtime serves on this machine.
// Same Fastify as Atrium, no logging, no plugins, one JSON route.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/', async () => ({ hello: 'world' }))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.stdout.write('listening\n')
process.once('SIGTERM', () => app.close().then(() => process.exit(0)))

import { Signer } from '@fastify/cookie'

type Unsigned = ReturnType<Signer['unsign']>

/**
 * A cookie signer whose secret is read when first available: the generated secret of a
 * PostgreSQL deployment lives in the database, and an app must still build (and answer /healthz
 * and /readyz) while the database is down. Each request first makes sure the secret is loaded
 * (retrying after a failure); signing before that is an error, like any other database outage.
 */
export class DeferredCookieSigner {
  private signer: Signer | undefined
  private loading: Promise<void> | undefined

  constructor(private readonly load: () => Promise<string>) {}

  /** Loads the secret once; a failed load is retried by the next call. */
  async ready(): Promise<void> {
    if (this.signer) return
    this.loading ??= this.load()
      .then((secret) => {
        this.signer = new Signer(secret)
      })
      .finally(() => {
        this.loading = undefined
      })
    await this.loading
  }

  sign(value: string): string {
    return this.loaded().sign(value)
  }

  unsign(value: string): Unsigned {
    return this.loaded().unsign(value)
  }

  private loaded(): Signer {
    if (!this.signer) throw new Error('the cookie secret is not available yet (the database did not answer)')
    return this.signer
  }
}

/**
 * Worker-only entry point: the same container and job processors as `npm start`, without the
 * API. Run as many as the load needs: `npm run worker`.
 */
import { run } from '../src/main.js'

await run({ ROLE: 'worker' })

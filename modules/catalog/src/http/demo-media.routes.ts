import type { FastifyInstance } from 'fastify';
import { DEMO_MEDIA_PREFIX, demoImageSvg } from '../seed/demo-image';

/** Demo images never change for a name: a year, immutable. */
const CACHE_CONTROL = 'public, max-age=31536000, immutable';

/**
 * `GET /media/demo/:file` (`product-<n>-<k>.svg`): the demo catalog's images, generated (no files,
 * no internet). Any other name is 404. apps/bff registers it outside the per-IP rate limit.
 */
export async function registerDemoMediaRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { file: string } }>(`${DEMO_MEDIA_PREFIX}:file`, async (req, reply) => {
    const { file } = req.params;
    const svg = file.endsWith('.svg') ? demoImageSvg(file.slice(0, -4)) : null;
    if (!svg) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return reply
      .type('image/svg+xml; charset=utf-8')
      .header('cache-control', CACHE_CONTROL)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(svg);
  });
}

import type { Block } from './types'

/** The deploy-approval example of Roam's Block Kit documentation. */
export const SEED_EXAMPLE: { blocks: Block[]; color: string } = {
  blocks: [
    { type: 'header', text: { type: 'plain_text', text: 'Deploy Request: api-gateway v2.4.1' } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: '*Environment:* Production\n*Branch:* `main`\n*Commit:* `a1b2c3d` — Fix rate limiting edge case' },
      accessory: { type: 'button', text: { type: 'plain_text', text: 'View Diff' }, url: 'https://github.com/example/api-gateway/compare/v2.4.0...v2.4.1' },
    },
    { type: 'divider' },
    { type: 'context', elements: [{ type: 'mrkdwn', text: 'Requested by *@alice* · All CI checks passing' }] },
    {
      type: 'actions',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'deploy_approve', value: 'api-gateway-v2.4.1', style: 'primary' },
        { type: 'button', text: { type: 'plain_text', text: 'Reject' }, action_id: 'deploy_reject', value: 'api-gateway-v2.4.1', style: 'danger' },
      ],
    },
  ],
  color: '#5B3FD9',
}

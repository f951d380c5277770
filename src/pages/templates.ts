/**
 * Every server-rendered page, as Eta templates registered by name (`@login`, …). Each page starts
 * with `<% layout('@layout', it) %>` so it shares the layout's markup, style and CSRF handling;
 * `<%= … %>` escapes, `<%~ … %>` inserts markup (only for other templates' output).
 * To add a page: add its template here and call `renderPage(reply, 'name', { title, … })`.
 */

/**
 * The layout's stylesheet, inline: the pages' Content-Security-Policy allows exactly this text by
 * its SHA-256 hash (no 'unsafe-inline'), so it must stay free of template tags.
 */
export const LAYOUT_STYLE = `
  :root { color-scheme: light dark; --accent: #4f46e5; --muted: #6b7280; --border: #d1d5db; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; background: Canvas; color: CanvasText; }
  main { max-width: 28rem; margin: 4rem auto; padding: 2rem; border: 1px solid var(--border); border-radius: 12px; }
  h1 { font-size: 1.35rem; margin: 0 0 1rem; }
  label { display: block; margin: .75rem 0 .25rem; font-weight: 600; }
  input[type=email], input[type=password], input[type=text] { width: 100%; padding: .55rem .7rem; border: 1px solid var(--border); border-radius: 8px; font: inherit; }
  button { margin-top: 1.25rem; padding: .55rem 1.1rem; border: 0; border-radius: 8px; background: var(--accent); color: #fff; font: inherit; cursor: pointer; }
  button.secondary { background: transparent; color: inherit; border: 1px solid var(--border); }
  .error { padding: .6rem .8rem; border-radius: 8px; background: #fee2e2; color: #991b1b; }
  .muted { color: var(--muted); font-size: .9rem; }
  ul.scopes { padding-left: 1.2rem; } ul.scopes code { font-size: .85rem; }
  fieldset { border: 1px solid var(--border); border-radius: 8px; margin-top: 1rem; }
  .actions { display: flex; gap: .75rem; }
  label.slot { display: inline-block; font-weight: normal; margin-right: .75rem; }
`

const layout = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="<%= it.csrfToken %>">
<title><%= it.title %> · <%= it.siteName %></title>
<% if (it.stylesheet) { %><link rel="stylesheet" href="<%= it.stylesheet %>"><% } else { %><style>${LAYOUT_STYLE}</style><% } %>
</head>
<body>
<main>
<%~ it.body %>
</main>
</body>
</html>
`

/** Hidden CSRF field for every form: `<%~ include('@csrf', it) %>`. */
const csrf = `<input type="hidden" name="_csrf" value="<%= it.csrfToken %>">`

const login = `<% layout('@layout', it) %>
<h1>Sign in to <%= it.siteName %></h1>
<% if (it.error) { %><p class="error" role="alert"><%= it.error %></p><% } %>
<form method="post" action="/login">
  <%~ include('@csrf', it) %>
  <input type="hidden" name="next" value="<%= it.next %>">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="<%= it.email %>">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>
`

const consent = `<% layout('@layout', it) %>
<h1><%= it.appName %> wants to access <%= it.siteName %></h1>
<p class="muted">Signed in as <%= it.userName %> (<%= it.userEmail %>).</p>
<% if (it.appDescription) { %><p><%= it.appDescription %></p><% } %>
<p>It asks for:</p>
<ul class="scopes"><% it.scopes.forEach(function (s) { %><li><code><%= s %></code></li><% }) %></ul>
<form method="post" action="/oauth/authorize">
  <%~ include('@csrf', it) %>
  <% Object.entries(it.params).forEach(function ([k, v]) { %><input type="hidden" name="<%= k %>" value="<%= v %>">
  <% }) %>
  <fieldset>
    <legend>Access</legend>
    <% it.models.forEach(function (m, i) { %>
    <label><input type="radio" name="access_model" value="<%= m.value %>"<%= i === 0 ? ' checked' : '' %>> <%= m.label %></label>
    <p class="muted"><%= m.help %></p>
    <% }) %>
  </fieldset>
  <div class="actions">
    <button type="submit" name="allowed" value="true">Allow</button>
    <button type="submit" name="allowed" value="false" class="secondary">Deny</button>
  </div>
</form>
`

/** A short message page (errors the browser should see, notices). */
const message = `<% layout('@layout', it) %>
<h1><%= it.title %></h1>
<p<%= it.error ? ' class="error"' : '' %>><%= it.message %></p>
`

/** A meeting link's public page: name, time, host. */
const meetinglink = `<% layout('@layout', it) %>
<h1><%= it.name %></h1>
<% if (it.when) { %><p><time datetime="<%= it.startIso %>"><%= it.when %></time></p><% } else { %><p class="muted">No time set.</p><% } %>
<p>Hosted by <strong><%= it.hostName %></strong> <span class="muted">&lt;<%= it.hostEmail %>&gt;</span></p>
`

/** A lobby's booking page: free slots by day, and the guest's details. */
const lobby = `<% layout('@layout', it) %>
<h1><%= it.lobbyName %></h1>
<p>With <strong><%= it.hostName %></strong> · <%= it.duration %> minutes · times in <%= it.timeZone %></p>
<% if (it.error) { %><p class="error" role="alert"><%= it.error %></p><% } %>
<% if (it.groups.length === 0) { %>
<p>No free times are available right now.</p>
<% } else { %>
<form method="post" action="<%= it.action %>">
  <%~ include('@csrf', it) %>
  <% it.groups.forEach(function (g) { %>
  <fieldset><legend><%= g.day %></legend>
    <% g.slots.forEach(function (s) { %>
    <label class="slot"><input type="radio" name="start" value="<%= s.value %>" required<%= s.value === it.form.start ? ' checked' : '' %>> <%= s.label %></label>
    <% }) %>
  </fieldset>
  <% }) %>
  <label for="name">Your name</label>
  <input id="name" name="name" type="text" required maxlength="200" value="<%= it.form.name %>">
  <label for="email">Your email</label>
  <input id="email" name="email" type="email" required value="<%= it.form.email %>">
  <label for="notes">Notes (optional)</label>
  <input id="notes" name="notes" type="text" maxlength="2000" value="<%= it.form.notes %>">
  <button type="submit">Book</button>
</form>
<% } %>
`

/** A booking's confirmation: when, with whom, the meeting link and the calendar file. */
const booking = `<% layout('@layout', it) %>
<h1>You're booked</h1>
<p><strong><%= it.lobbyName %></strong> with <%= it.hostName %></p>
<p><%= it.when %></p>
<% if (it.meetingLink) { %><p>Join: <a href="<%= it.meetingLink %>"><%= it.meetingLink %></a></p><% } %>
<p><a href="<%= it.icsUrl %>">Add to calendar (.ics)</a></p>
`

/** The API reference: the surfaces and where their documents are. */
const apiIndex = `<% layout('@layout', it) %>
<h1>API reference</h1>
<p>Each API is described by an OpenAPI 3.1 document generated from the schemas the server validates with.</p>
<nav class="surfaces" aria-label="APIs">
<ul>
<% it.surfaces.forEach(function (s) { %>
  <li><a href="/docs/<%= s.id %>"><strong><%= s.title %></strong></a> — <%= s.description %><br>
  <span class="muted">Base URL <code><%= s.server %></code> · document <a href="<%= s.document %>"><code><%= s.document %></code></a></span></li>
<% }) %>
</ul>
</nav>
<p>OAuth 2.0 authorization server metadata (RFC 8414): <a href="<%= it.metadata %>"><code><%= it.metadata %></code></a></p>
<p class="muted">Not in any document: <%= it.outside.join('; ') %>.</p>
`

/** One API's operations, rendered from its OpenAPI document. */
const apiSurface = `<% layout('@layout', it) %>
<p><a href="/docs">API reference</a></p>
<h1><%= it.surface.title %></h1>
<p><%= it.surface.description %></p>
<p class="muted">Base URL <code><%= it.surface.server %></code> · OpenAPI document <a href="<%= it.surface.document %>"><code><%= it.surface.document %></code></a></p>
<ul class="ops">
<% it.operations.forEach(function (op) { %>
<li class="op" id="<%= op.anchor %>">
  <h3><span class="method"><%= op.method %></span> <span class="path"><%= op.path %></span><%= op.deprecated ? ' (deprecated)' : '' %></h3>
  <% if (op.summary) { %><p><%= op.summary %></p><% } %>
  <% if (op.description) { %><p class="muted"><%= op.description %></p><% } %>
  <p><strong>Access:</strong> <%= op.access %><% if (op.scopes.length > 0) { %> · <strong>Scopes:</strong> <% op.scopes.forEach(function (set, i) { %><%= i > 0 ? ' or ' : '' %><% set.forEach(function (scope, j) { %><%= j > 0 ? ' + ' : '' %><code><%= scope %></code><% }) %><% }) %><% } %></p>
  <% if (op.fields.length > 0) { %>
  <table>
    <thead><tr><th>Parameter</th><th>In</th><th>Type</th><th>Required</th><th>Description</th></tr></thead>
    <tbody><% op.fields.forEach(function (f) { %><tr><td><code><%= f.name %></code></td><td><%= f.where %></td><td><code><%= f.type %></code></td><td><%= f.required ? 'yes' : 'no' %></td><td><%= f.description %></td></tr><% }) %></tbody>
  </table>
  <% } %>
  <% if (op.bodyType) { %><p class="muted">Body: <code><%= op.bodyType %></code></p><% } %>
  <p class="muted">Responses: <% op.responses.forEach(function (r, i) { %><%= i > 0 ? ', ' : '' %><%= r.status %><%= r.type ? ' (' + r.type + ')' : '' %><% }) %></p>
</li>
<% }) %>
</ul>
`

export const templates: Record<string, string> = {
  apiIndex,
  apiSurface,
  layout,
  csrf,
  login,
  consent,
  message,
  meetinglink,
  lobby,
  booking,
}

import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, render } from '@testing-library/react'
import { MessageText } from '../src/markdown/MessageText'
import { DirectoryContext, directoryFrom } from '../src/directory'
import { ImagePolicyContext } from '../src/imagePolicy'

afterEach(cleanup)

const bob = 'U-11111111-2222-4333-8444-555555555555'
const show = (text: string) =>
  render(
    <DirectoryContext.Provider value={directoryFrom([[bob, 'Bob']])}>
      <MessageText text={text} />
    </DirectoryContext.Provider>,
  ).container

describe('message text (Markdown)', () => {
  it('renders emphasis, code, lists and links', () => {
    const c = show('**bold** _it_ ~~gone~~ `x`\n\n- one\n- two\n\n[Roam](https://ro.am)')
    expect(c.querySelector('strong')!.textContent).toBe('bold')
    expect(c.querySelector('em')!.textContent).toBe('it')
    expect(c.querySelector('del')!.textContent).toBe('gone')
    expect(c.querySelectorAll('li').length).toBe(2)
    const a = c.querySelector('a')!
    expect(a.getAttribute('href')).toBe('https://ro.am/')
    expect(a.getAttribute('target')).toBe('_blank')
    expect(a.getAttribute('rel')).toContain('noopener')
  })

  it('never renders raw HTML: script tags, event handlers and iframes stay inert', () => {
    const c = show('hi <script>alert(1)</script> <img src=x onerror="alert(1)"> <iframe src="https://evil"></iframe> <b onclick="x()">b</b>')
    expect(c.querySelector('script, iframe, b, img[onerror]')).toBeNull()
    expect(c.innerHTML).not.toContain('onerror')
    expect(c.innerHTML).not.toContain('onclick')
  })

  it('neutralises javascript:, data: and vbscript: URLs in links and images', () => {
    const c = show('[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](data:text/html;base64,PHNjcmlwdD4=) [d](vbscript:msgbox) ![e](javascript:alert(1)) <javascript:alert(1)>')
    // The text may still read "javascript:…"; no attribute can carry it.
    const urls = [...c.querySelectorAll('[href], [src]')].map((el) => (el.getAttribute('href') ?? el.getAttribute('src') ?? '').toLowerCase())
    expect(urls.filter((u) => /^(javascript|data|vbscript):/.test(u.trim()))).toEqual([])
    expect(c.querySelectorAll('a[href]').length).toBe(0)
    expect(c.querySelector('img')).toBeNull()
    expect(c.textContent).toContain('a b c d e')
  })

  it('shows mentions by name and @all as everyone', () => {
    const c = show(`ping <@${bob}> and <@all>`)
    expect([...c.querySelectorAll('.mention')].map((m) => m.textContent)).toEqual(['@Bob', '@everyone'])
    expect(c.querySelector('a')).toBeNull()
  })
})

describe('images from other origins (tracking pixels)', () => {
  const showWith = (text: string, allowedOrigins: string[] = []) =>
    render(
      <ImagePolicyContext.Provider value={{ allowedOrigins }}>
        <DirectoryContext.Provider value={directoryFrom([])}>
          <MessageText text={text} />
        </DirectoryContext.Provider>
      </ImagePolicyContext.Provider>,
    ).container

  it('an image from another origin is a link, not an <img>, unless its origin is allowed', () => {
    const c = showWith('![pixel](https://tracker.example/p.gif?u=1)')
    expect(c.querySelector('img')).toBeNull()
    const a = c.querySelector('a.md-image-link')!
    expect(a.getAttribute('href')).toBe('https://tracker.example/p.gif?u=1')
    expect(a.textContent).toBe('pixel')
    expect(a.getAttribute('rel')).toContain('noreferrer')

    const allowed = showWith('![logo](https://images.example.com/logo.png)', ['https://images.example.com'])
    expect(allowed.querySelector('img')!.getAttribute('src')).toBe('https://images.example.com/logo.png')
    // Another port or scheme is another origin.
    expect(showWith('![x](http://images.example.com/logo.png)', ['https://images.example.com']).querySelector('img')).toBeNull()
    expect(showWith('![x](https://images.example.com:8443/logo.png)', ['https://images.example.com']).querySelector('img')).toBeNull()
  })

  it('images of this origin are shown; an external image without alt text is a link labelled by its URL', () => {
    const own = showWith(`![upload](${window.location.origin}/files/abc.png) ![rel](/files/def.png)`)
    expect([...own.querySelectorAll('img')].map((i) => i.getAttribute('alt'))).toEqual(['upload', 'rel'])
    const bare = showWith('![](https://tracker.example/p.gif)')
    expect(bare.querySelector('img')).toBeNull()
    expect(bare.querySelector('a.md-image-link')!.textContent).toBe('https://tracker.example/p.gif')
  })
})

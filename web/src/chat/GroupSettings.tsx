import { useEffect, useId, useState, type FormEvent } from 'react'

/** Maximum length of a group's name (as the server enforces it). */
const GROUP_NAME_MAX = 64

/**
 * An organization administrator's settings of a group, inside its member panel: rename it, or
 * archive it (confirmed by the caller; one-way).
 */
export function GroupSettings({ group, busy, onRename, onArchive }: { group: { name: string }; busy: boolean; onRename: (name: string) => void; onArchive: () => void }) {
  const [name, setName] = useState(group.name)
  useEffect(() => setName(group.name), [group.name])
  const id = useId()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (name.trim() !== '' && name.trim() !== group.name) onRename(name.trim())
  }
  return (
    <section className="group-settings" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Group settings</h3>
      <form className="member-add" onSubmit={submit}>
        <label htmlFor={`${id}-name`}>Group name</label>
        <input id={`${id}-name`} value={name} maxLength={GROUP_NAME_MAX} required onChange={(e) => setName(e.target.value)} />
        <button type="submit" disabled={busy || name.trim() === '' || name.trim() === group.name}>
          Rename
        </button>
      </form>
      <button type="button" className="danger" disabled={busy} onClick={onArchive}>
        Archive group
      </button>
    </section>
  )
}

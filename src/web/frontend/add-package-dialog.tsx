import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { Dialog, Notice, runAction, type NoticeValue } from './dialog.js';
import type { AurPackage, Patch, RepositoryId } from './models.js';

interface AddPackageDialogProps {
  repositories: RepositoryId[];
  current: RepositoryId;
  /** Called when the add (or request) process ended: the table may need a refetch. */
  onChanged: () => void;
  onClose: () => void;
}

const repositoryLabel = (repository: RepositoryId): string => `${repository.repository} (${repository.architecture})`;

/** Parses `KEY=VALUE` lines into variable patches; returns the first bad line instead when there is one. */
function parseVariables(lines: string[]): Patch[] | string {
  const patches: Patch[] = [];
  for (const line of lines.map((item) => item.trim()).filter(Boolean)) {
    const separator = line.indexOf('=');
    if (separator <= 0) return `variable '${line}' is not KEY=VALUE`;
    patches.push({ key: line.slice(0, separator), value: line.slice(separator + 1) });
  }
  return patches;
}

/**
 * Adds a package (full access: built now) or requests it (reporters: queued for the next update), with AUR name
 * suggestions from `service/search` and variables sent as patches.
 */
export function AddPackageDialog({ repositories, current, onChanged, onClose }: AddPackageDialogProps) {
  const [repository, setRepository] = useState(current);
  const [name, setName] = useState('');
  const [suggestions, setSuggestions] = useState<AurPackage[]>([]);
  const [variables, setVariables] = useState<string[]>([]);
  const [refresh, setRefresh] = useState(false);
  const [notice, setNotice] = useState<NoticeValue>(undefined);

  useEffect(() => {
    const term = name.trim();
    if (term.length < 3) {
      setSuggestions([]);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      api.search(term).then(
        (found) => current && setSuggestions(found.slice(0, 20)),
        () => current && setSuggestions([]),
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [name]);

  const submit = async (mode: 'add' | 'request'): Promise<void> => {
    const packages = name.trim().split(/\s+/).filter(Boolean);
    if (packages.length === 0) {
      setNotice({ kind: 'error', text: 'package name is required' });
      return;
    }
    const patches = parseVariables(variables);
    if (typeof patches === 'string') {
      setNotice({ kind: 'error', text: patches });
      return;
    }
    const accepted = await runAction(
      () => (mode === 'add' ? api.add(repository, { packages, patches, refresh }) : api.request(repository, { packages, patches })),
      mode === 'add' ? `Adding ${packages.join(', ')}` : `Request of ${packages.join(', ')}`,
      setNotice,
      onChanged,
    );
    if (accepted) setName('');
  };

  return (
    <Dialog
      title="Add package"
      label="Add package"
      onClose={onClose}
      actions={(
        <>
          <button type="button" class="button" onClick={() => submit('request')}>Request</button>
          <button type="button" class="button primary" onClick={() => submit('add')}>Add</button>
        </>
      )}
    >
      <form class="form" onSubmit={(event) => {
        event.preventDefault();
        void submit('add');
      }}>
        <label>
          Repository
          <select
            value={repositories.findIndex((item) => repositoryLabel(item) === repositoryLabel(repository))}
            onChange={(event) => setRepository(repositories[Number(event.currentTarget.value)]!)}
          >
            {repositories.map((item, index) => <option value={index}>{repositoryLabel(item)}</option>)}
          </select>
        </label>
        <label>
          Package
          <input
            name="package"
            list="aur-suggestions"
            autocomplete="off"
            placeholder="AUR package name"
            value={name}
            onInput={(event) => setName(event.currentTarget.value)}
          />
          <datalist id="aur-suggestions">
            {suggestions.map((item) => <option value={item.package}>{item.description}</option>)}
          </datalist>
        </label>
        <fieldset>
          <legend>Variables (applied as patches)</legend>
          {variables.map((variable, index) => (
            <div class="row">
              <input
                aria-label={`Variable ${index + 1}`}
                placeholder="KEY=VALUE"
                value={variable}
                onInput={(event) => setVariables(variables.map((item, position) => (position === index ? event.currentTarget.value : item)))}
              />
              <button type="button" class="icon" aria-label="Remove variable" onClick={() => setVariables(variables.filter((_, position) => position !== index))}>×</button>
            </div>
          ))}
          <button type="button" class="button" onClick={() => setVariables([...variables, ''])}>Add variable</button>
        </fieldset>
        <label class="checkbox">
          <input type="checkbox" checked={refresh} onChange={(event) => setRefresh(event.currentTarget.checked)} />
          update pacman databases
        </label>
      </form>
      <Notice notice={notice} />
    </Dialog>
  );
}

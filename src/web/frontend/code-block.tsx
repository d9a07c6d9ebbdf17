import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import diff from 'highlight.js/lib/languages/diff';
import { useMemo } from 'preact/hooks';

// only the two languages the dashboard shows: PKGBUILDs are bash, changes are diffs
hljs.registerLanguage('bash', bash);
hljs.registerLanguage('diff', diff);

/** Source text with syntax highlighting (highlight.js escapes the text it returns). */
export function CodeBlock({ code, language, label }: { code: string; language: 'bash' | 'diff'; label: string }) {
  const html = useMemo(() => hljs.highlight(code, { language }).value, [code, language]);
  return (
    <pre class="code" aria-label={label}>
      <code class={`hljs language-${language}`} dangerouslySetInnerHTML={{ __html: html }} />
    </pre>
  );
}

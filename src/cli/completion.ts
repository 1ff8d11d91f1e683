/**
 * `tsns completion bash|zsh|fish`: the completion script for a shell. Each script is a few lines that
 * hand the command line to `tsns __complete` (src/cli/complete.ts), which knows the options (from the
 * --help texts) and the live values (PIDs, containers, pins, namespace ids, files).
 */
import { parseCommandLine, type OptionSpecs } from './args';
import { TsnsError } from '../sys/errors';

export const usage = `Usage:
  tsns completion bash|zsh|fish

Print the completion script for a shell: options of every command, and live values where a
command takes them (PIDs, container names, pin names, namespace ids, namespace types, columns).

  source <(tsns completion bash)                 # bash, this shell; or put it in ~/.bashrc
  tsns completion zsh > "\${fpath[1]}/_tsns"      # zsh, then start a new shell
  tsns completion fish | source                  # fish

A global npm install puts the scripts where bash-completion, zsh and fish look for them under the
npm prefix (share/bash-completion/completions, share/zsh/site-functions, share/fish/vendor_completions.d).

Options:
 -h, --help   display this help
`;

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** Where each shell looks for completions under a prefix (/usr/local, an npm prefix): the package
 *  carries the scripts at these paths, and a global install links them there. */
export const COMPLETION_PATHS: Record<Shell, string> = {
  bash: 'share/bash-completion/completions/tsns',
  zsh: 'share/zsh/site-functions/_tsns',
  fish: 'share/fish/vendor_completions.d/tsns.fish',
};

const bash = `# bash completion for tsns (tsns completion bash)
_tsns() {
    local IFS=$'\\n'
    local -a words
    words=($(tsns __complete bash "$COMP_WORDBREAKS" "\${COMP_LINE:0:$COMP_POINT}" 2>/dev/null))
    COMPREPLY=("\${words[@]}")
    # A directory, or an option waiting for its value: go on typing right after it.
    if [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == *[/=] ]]; then
        compopt -o nospace 2>/dev/null
    fi
}
complete -F _tsns tsns
`;

const zsh = `#compdef tsns
# zsh completion for tsns (tsns completion zsh)
_tsns() {
    local -a lines words descriptions open
    lines=("\${(@f)$(tsns __complete zsh "" "\${BUFFER[1,$CURSOR]}" 2>/dev/null)}")
    local line
    for line in $lines; do
        [[ -z $line ]] && continue
        if [[ \${line%%$'\\t'*} == *[/=] ]]; then
            open+=("\${line%%$'\\t'*}")
        else
            words+=("\${line%%$'\\t'*}")
            descriptions+=("\${line//$'\\t'/  -- }")
        fi
    done
    (( \${#words} )) && compadd -U -d descriptions -- $words
    (( \${#open} )) && compadd -U -S '' -- $open
    return 0
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _tsns "$@"
else
    compdef _tsns tsns
fi
`;

const fish = `# fish completion for tsns (tsns completion fish)
function __tsns_complete
    tsns __complete fish "" (commandline -cp) 2>/dev/null
end
complete -c tsns -f -a '(__tsns_complete)'
`;

export function completionScript(shell: Shell): string {
  return { bash, zsh, fish }[shell];
}

const specs: OptionSpecs = { help: { short: 'h', kind: 'boolean' } };

export function run(args: string[]): number {
  const { values, positionals: words } = parseCommandLine(args, specs, { positionals: 1 });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (words.length !== 1) throw new TsnsError(`usage: tsns completion bash|zsh|fish; try 'tsns completion --help'`);
  const shell = words[0];
  if (!(SHELLS as readonly string[]).includes(shell)) throw new TsnsError(`unknown shell '${shell}' (one of ${SHELLS.join(', ')})`);
  process.stdout.write(completionScript(shell as Shell));
  return 0;
}

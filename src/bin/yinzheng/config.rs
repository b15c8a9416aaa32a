//! Settings an agency would otherwise repeat on every command — its name, code and key, its
//! audit log, its status journal — from the environment and a config file.
//!
//! Precedence: a flag, then its environment variable, then the config file (`--config FILE`
//! or `$YINZHENG_CONFIG`), then the built-in default. The file's values become the flags'
//! defaults in the clap command before it parses, so `--help` shows the value in force and
//! clap's own required-argument check still names the flag that is missing.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::CommandFactory as _;
use serde::Deserialize;

use crate::cli::Cli;
use crate::files::{self, Result};

/// The environment variable naming the config file when `--config` is not given.
pub(crate) const CONFIG_ENV: &str = "YINZHENG_CONFIG";

/// The config file, TOML. Unknown keys are refused so that a misspelt setting is an error,
/// not a silently ignored line.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    #[serde(default)]
    agency: AgencySection,
    #[serde(default)]
    log: LogSection,
    #[serde(default)]
    status: StatusSection,
    #[serde(default)]
    keys: KeysSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgencySection {
    name: Option<String>,
    uscc: Option<String>,
    key: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogSection {
    dir: Option<String>,
    key: Option<String>,
    origin: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusSection {
    journal: Option<String>,
    prefix: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysSection {
    password_file: Option<String>,
}

/// One setting: the flag it fills (by its long name, the same in every command), the commands
/// it applies to (`None`: every command with that flag), its environment variable and its
/// place in the config file.
struct Setting {
    flag: &'static str,
    commands: Option<&'static [&'static str]>,
    env: &'static str,
    key: &'static str,
    /// A path, read relative to the config file's directory (a `pkcs11:` URI is kept as is).
    is_path: bool,
    value: fn(&Config) -> Option<&String>,
}

/// The commands whose `--key` is the agency's own signing key.
const AGENCY_KEY_COMMANDS: &[&str] = &["issue", "status publish"];

const SETTINGS: &[Setting] = &[
    Setting {
        flag: "agency-name",
        commands: None,
        env: "YINZHENG_AGENCY_NAME",
        key: "agency.name",
        is_path: false,
        value: |c| c.agency.name.as_ref(),
    },
    Setting {
        flag: "agency-uscc",
        commands: None,
        env: "YINZHENG_AGENCY_USCC",
        key: "agency.uscc",
        is_path: false,
        value: |c| c.agency.uscc.as_ref(),
    },
    Setting {
        flag: "key",
        commands: Some(AGENCY_KEY_COMMANDS),
        env: "YINZHENG_AGENCY_KEY",
        key: "agency.key",
        is_path: true,
        value: |c| c.agency.key.as_ref(),
    },
    Setting {
        flag: "log",
        commands: None,
        env: "YINZHENG_LOG",
        key: "log.dir",
        is_path: true,
        value: |c| c.log.dir.as_ref(),
    },
    Setting {
        flag: "log-key",
        commands: None,
        env: "YINZHENG_LOG_KEY",
        key: "log.key",
        is_path: true,
        value: |c| c.log.key.as_ref(),
    },
    Setting {
        flag: "origin",
        commands: None,
        env: "YINZHENG_LOG_ORIGIN",
        key: "log.origin",
        is_path: false,
        value: |c| c.log.origin.as_ref(),
    },
    Setting {
        flag: "status-journal",
        commands: None,
        env: "YINZHENG_STATUS_JOURNAL",
        key: "status.journal",
        is_path: true,
        value: |c| c.status.journal.as_ref(),
    },
    Setting {
        flag: "status-prefix",
        commands: None,
        env: "YINZHENG_STATUS_PREFIX",
        key: "status.prefix",
        is_path: false,
        value: |c| c.status.prefix.as_ref(),
    },
    Setting {
        flag: "password-file",
        commands: None,
        env: "YINZHENG_PASSWORD_FILE",
        key: "keys.password_file",
        is_path: true,
        value: |c| c.keys.password_file.as_ref(),
    },
];

/// The config file and the directory its relative paths are read from.
pub(crate) struct LoadedConfig {
    config: Config,
    dir: PathBuf,
}

/// The config file named by `--config` in `args` or by `$YINZHENG_CONFIG`, if any. A file
/// named but unreadable or malformed is an error naming it (and the key at fault).
pub(crate) fn load(args: &[OsString]) -> Result<Option<LoadedConfig>> {
    let Some(path) = config_path(args) else {
        return Ok(None);
    };
    let text = files::read_text(&path)?;
    let config: Config = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|span| {
            text.get(..span.start)
                .unwrap_or_default()
                .matches('\n')
                .count()
                + 1
        });
        match line {
            Some(line) => format!("{}: line {line}: {}", path.display(), e.message()),
            None => format!("{}: {}", path.display(), e.message()),
        }
    })?;
    for setting in SETTINGS {
        if (setting.value)(&config).is_some_and(String::is_empty) {
            return Err(format!("{}: {} is empty", path.display(), setting.key).into());
        }
    }
    let dir = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
    Ok(Some(LoadedConfig { config, dir }))
}

/// `--config FILE` or `--config=FILE` before any `--`, else `$YINZHENG_CONFIG` (if set and not
/// empty). Found before clap parses, since the file supplies clap's defaults.
fn config_path(args: &[OsString]) -> Option<PathBuf> {
    let mut args = args.iter().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        if arg == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = arg.to_str().and_then(|a| a.strip_prefix("--config=")) {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os(CONFIG_ENV)
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
}

/// The CLI's clap command with every setting's environment variable, and the config file's
/// values as defaults.
pub(crate) fn command(config: Option<&LoadedConfig>) -> clap::Command {
    with_settings(Cli::command(), "", config)
}

fn with_settings(
    mut command: clap::Command,
    path: &str,
    config: Option<&LoadedConfig>,
) -> clap::Command {
    for setting in SETTINGS {
        if setting
            .commands
            .is_some_and(|commands| !commands.contains(&path))
        {
            continue;
        }
        let Some(id) = command
            .get_arguments()
            .find(|arg| arg.get_long() == Some(setting.flag))
            .map(|arg| arg.get_id().clone())
        else {
            continue;
        };
        let value = config.and_then(|loaded| loaded.value(setting));
        command = command.mut_arg(id, |arg| {
            let arg = arg.env(setting.env);
            match value {
                // A default satisfies clap's required check; clap forbids both at once.
                Some(value) => arg.default_value(value).required(false),
                None => arg,
            }
        });
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        let sub_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        command = command.mut_subcommand(name, |sub| with_settings(sub, &sub_path, config));
    }
    command
}

impl LoadedConfig {
    fn value(&self, setting: &Setting) -> Option<OsString> {
        let value = (setting.value)(&self.config)?;
        if !setting.is_path || value.starts_with("pkcs11:") {
            return Some(value.into());
        }
        Some(self.dir.join(value).into_os_string())
    }
}

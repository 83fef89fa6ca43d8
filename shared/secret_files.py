"""Secrets from files: NEGOCE_X_FILE=/run/secrets/x sets NEGOCE_X to that file's content.

Docker and Kubernetes hand secrets over as files; a variable's value shows in `docker inspect`, in
/proc/<pid>/environ and in crash reports. Every setting of every process can be given either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource
from pydantic_settings.exceptions import SettingsError

SUFFIX = "_FILE"
PREFIX = "NEGOCE_"


class EnvironmentWithSecretFiles(EnvSettingsSource):
    """The environment, where each NEGOCE_*_FILE variable stands for the same name without _FILE."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        variables = dict(super()._load_env_vars())
        for name in [n for n in variables if n.upper().startswith(PREFIX) and n.upper().endswith(SUFFIX)]:
            target, path = name[: -len(SUFFIX)], variables[name]
            if target in variables:
                raise SettingsError(f"{target.upper()} and {name.upper()} are both set: keep one")
            try:
                # A file written by `echo` ends with a newline that is no part of the secret.
                variables[target] = Path(str(path)).read_text(encoding="utf-8").rstrip("\r\n")
            except (OSError, UnicodeDecodeError) as failure:
                raise SettingsError(f"{name.upper()}: cannot read the secret file {path}: {failure}") from failure
        return variables


class SettingsWithSecretFiles(BaseSettings):
    """Settings where every value comes from its variable, or from the file its NEGOCE_*_FILE variable names."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """pydantic-settings' usual sources, with the environment read through EnvironmentWithSecretFiles."""
        return init_settings, EnvironmentWithSecretFiles(settings_cls), dotenv_settings, file_secret_settings

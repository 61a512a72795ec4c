import { fileURLToPath } from 'node:url';
import type { Profile } from './profile.ts';
import { loadProfileDir } from './profile-file.ts';

/**
 * The built-in profiles: YAML files in `builtin/`, in the same form as a user's own profile file
 * (profile-schema.ts), read and validated once when the load rig starts.
 */
export const BUILTIN_PROFILE_DIR = fileURLToPath(new URL('./builtin', import.meta.url));
export const PROFILES: Readonly<Record<string, Profile>> = loadProfileDir(BUILTIN_PROFILE_DIR);

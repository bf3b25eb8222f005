// What every page reaches: the admin API client and the sign-in.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './api';
import type { AuthProvider } from './auth';

export interface ConsoleContext {
  readonly api: ApiClient;
  readonly auth: AuthProvider;
  /** The deployment's stage (`local`, `dev`, `prod`), shown in the header. */
  readonly stage: string;
}

export const Console = createContext<ConsoleContext | undefined>(undefined);

export function useConsole(): ConsoleContext {
  const value = useContext(Console);
  if (!value) throw new Error('useConsole outside the console');
  return value;
}

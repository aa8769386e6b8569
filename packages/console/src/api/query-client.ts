/**
 * The console's one TanStack Query client (server state: lists refetch on focus, errors
 * retried once). A module of its own so a page's route can start its first request
 * while the page's chunk is still loading (pages/dashboard/route.ts).
 */
import { QueryClient } from '@tanstack/react-query';
import { ApiProblem } from './client';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not get better by asking again; a network blip may.
      retry: (n, err) => n < 1 && !(err instanceof ApiProblem && err.status >= 400 && err.status < 500),
      staleTime: 10_000,
    },
  },
});

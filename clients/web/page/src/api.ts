// The transport to attune-web (Connect protocol, JSON, same origin) and one
// typed client per service. Every call carries the page's token.
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import {
  CheckInService,
  EventService,
  ExerciseService,
  GoalService,
  JournalService,
  SearchService,
  SpaceService,
  SyncService,
  VaultService,
} from "../gen/attune/v1/api_pb";
import { token } from "./params";

const bearer: Interceptor = (next) => (req) => {
  req.header.set("Authorization", `Bearer ${token}`);
  return next(req);
};

const transport = createConnectTransport({
  baseUrl: location.origin,
  useBinaryFormat: false,
  interceptors: [bearer],
});

export const vault: Client<typeof VaultService> = createClient(VaultService, transport);
export const journal: Client<typeof JournalService> = createClient(JournalService, transport);
export const checkins: Client<typeof CheckInService> = createClient(CheckInService, transport);
export const goals: Client<typeof GoalService> = createClient(GoalService, transport);
export const space: Client<typeof SpaceService> = createClient(SpaceService, transport);
export const sync: Client<typeof SyncService> = createClient(SyncService, transport);
export const exercises: Client<typeof ExerciseService> = createClient(ExerciseService, transport);
export const events: Client<typeof EventService> = createClient(EventService, transport);
export const search: Client<typeof SearchService> = createClient(SearchService, transport);

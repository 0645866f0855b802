// Public surface of @llm-gateway/upstream-sim.
export { defaultSimContent } from './sim-reply.js';
export { startUpstreamSim } from './sim-server.js';
export type {
  SimChunkBy,
  SimFault,
  SimRecordedRequest,
  SimReply,
  SimScriptFault,
  SimStats,
  UpstreamSim,
  UpstreamSimOptions,
} from './sim-types.js';

// Public surface of @llm-gateway/upstream-sim.
export { defaultSimContent } from './sim-reply.js';
export { startUpstreamSim } from './sim-server.js';
export type {
  SimFault,
  SimRecordedRequest,
  SimReply,
  SimStats,
  UpstreamSim,
  UpstreamSimOptions,
} from './sim-types.js';

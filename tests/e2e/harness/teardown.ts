import { teardown } from "./global";
export default teardown;

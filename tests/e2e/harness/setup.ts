import { setup } from "./global";
export default setup;

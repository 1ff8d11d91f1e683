/**
 * The kernel's numbers a user of tsns may need (`import { constants } from 'tsns'`): the namespace
 * types with their clone(2) flags, and the nsfs ioctls that ask a namespace file about its relatives.
 * Syscall numbers and mount flags stay inside tsns.
 */
export {
  NS_TYPES,
  CLONE_NEWNS,
  CLONE_NEWCGROUP,
  CLONE_NEWUTS,
  CLONE_NEWIPC,
  CLONE_NEWUSER,
  CLONE_NEWPID,
  CLONE_NEWNET,
  CLONE_NEWTIME,
  CLONE_FLAG,
  NS_GET_USERNS,
  NS_GET_PARENT,
  NS_GET_NSTYPE,
  NS_GET_OWNER_UID,
} from './sys/constants';
